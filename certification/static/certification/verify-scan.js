// Camera scanning for /xac-minh/ where the browser has BarcodeDetector (Chrome on
// Android, among others). Elsewhere the page stays a plain form: paste the QR text.
const scan = document.getElementById("scan");
const form = document.getElementById("verify-form");
const field = document.getElementById("qr");
const video = document.getElementById("scan-video");

async function supported() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return false;
  const formats = await window.BarcodeDetector.getSupportedFormats();
  return formats.includes("qr_code");
}

async function start() {
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const stop = () => stream.getTracks().forEach((track) => track.stop());
  const tick = async () => {
    const codes = await detector.detect(video).catch(() => []);
    const found = codes.find((code) => code.rawValue.startsWith("LC1:"));
    if (found) {
      stop();
      field.value = found.rawValue;
      form.requestSubmit();
      return;
    }
    requestAnimationFrame(tick);
  };
  tick();
}

if (scan && (await supported().catch(() => false))) {
  scan.hidden = false;
  document.getElementById("scan-start").addEventListener("click", () => {
    start().catch(() => { scan.hidden = true; });
  });
}
