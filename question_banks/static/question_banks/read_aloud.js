// Read-aloud: one big button plays the question and its options. While an option is
// read, its answer is outlined, so the order heard need not match the (shuffled)
// order shown. Without this script the browser's own player does the playing.
const box = document.querySelector(".read-aloud");
const audio = box && box.querySelector("audio");

if (audio && !box.closest("fieldset[disabled]")) {
  const label = box.querySelector("p");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button huge";
  button.style.width = "100%"; // as wide as the answers below it
  button.style.marginBottom = "12px";
  const icon = document.createElement("span");
  icon.setAttribute("aria-hidden", "true");
  const text = document.createElement("span");
  button.append(icon, " ", text);
  const play = label.textContent.trim();
  const show = (playing) => {
    icon.textContent = playing ? "■" : "▶"; // in every phone's fonts, unlike emoji
    text.textContent = playing ? box.dataset.stop : play;
  };
  show(false);
  button.addEventListener("click", () => {
    if (audio.paused) {
      audio.currentTime = 0;
      audio.play().catch(() => show(false));
    } else {
      audio.pause();
    }
  });
  label.replaceWith(button);
  audio.controls = false;

  const cues = JSON.parse(box.dataset.cues || "[]"); // [option id, start ms, end ms]
  const form = box.closest("form") || document;
  const answer = (id) => {
    const control = form.querySelector(`[name="choice"][value="${id}"], [name="rank_${id}"]`);
    return control && (control.closest("label") || control);
  };
  let lit = null;
  const light = (element) => {
    if (element === lit) return;
    if (lit) lit.style.outline = "";
    if (element) element.style.outline = "4px solid #f9a825";
    lit = element;
  };
  audio.addEventListener("timeupdate", () => {
    const ms = audio.currentTime * 1000;
    const cue = cues.find(([, start, end]) => ms >= start && ms < end);
    light(cue ? answer(cue[0]) : null);
  });
  audio.addEventListener("play", () => show(true));
  for (const event of ["pause", "ended", "error"]) {
    audio.addEventListener(event, () => {
      show(false);
      light(null);
    });
  }
}
