// The offline verifier (/xac-minh/ngoai-tuyen/). Checks a paper QR in the browser, with
// no network, against the offline bundle the service worker keeps: the same steps and
// reason codes as certification/paper_qr.py and certification/verification.py (Base45,
// optional zlib, a strict CBOR subset, COSE_Sign1 with Ed25519 through WebCrypto, the
// claim limits, issuer, key retirement, the revocation bit, dates).
const form = document.getElementById("offline-form");
const field = document.getElementById("qr");
const state = document.getElementById("data-state");
const ready = document.getElementById("offline-ready");
const staleNote = document.getElementById("data-stale");
const verdict = document.getElementById("verdict");
const TEXT = JSON.parse(document.getElementById("verifier-texts").textContent);
const DAY_MS = 86_400_000;

class Invalid extends Error {}
const fail = (code) => { throw new Invalid(code); };

// --- Base45 (RFC 9285), strict ------------------------------------------------------
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
function base45Decode(text) {
  if (text.length % 3 === 1) fail("bad_base45");
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const digits = [...text.slice(i, i + 3)].map((c) => B45.indexOf(c));
    if (digits.includes(-1)) fail("bad_base45");
    const n = digits[0] + digits[1] * 45 + (digits.length === 3 ? digits[2] * 2025 : 0);
    if (digits.length === 3) {
      if (n > 0xffff) fail("bad_base45");
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) fail("bad_base45");
      out.push(n);
    }
  }
  return Uint8Array.from(out);
}

async function inflate(bytes, format, limit) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  if (out.length > limit) throw new Error("too large");
  return out;
}

// --- CBOR: unsigned/negative integers, byte/text strings, arrays, maps; definite,
// shortest-form, map keys integers or text in bytewise order. Nothing else.
const utf8 = new TextDecoder("utf-8", { fatal: true });
function cborDecode(data) {
  const [value, end] = cborItem(data, 0, 0);
  if (end !== data.length) fail("cbor");
  return value;
}
function cborItem(data, pos, depth) {
  if (pos >= data.length) fail("cbor");
  const major = data[pos] >> 5;
  let argument = data[pos] & 0x1f;
  pos += 1;
  if (argument >= 24) {
    const size = argument <= 27 ? 1 << (argument - 24) : 0;
    if (!size || pos + size > data.length) fail("cbor");
    argument = 0;
    for (let i = 0; i < size; i += 1) argument = argument * 256 + data[pos + i];
    if (argument < [24, 256, 65536, 2 ** 32][Math.log2(size)]) fail("cbor");
    pos += size;
  }
  if (major === 0) return [argument, pos];
  if (major === 1) return [-1 - argument, pos];
  if (major === 2 || major === 3) {
    const end = pos + argument;
    if (end > data.length) fail("cbor");
    const chunk = data.subarray(pos, end);
    return [major === 2 ? chunk : utf8.decode(chunk), end];
  }
  if (depth >= 3 || argument > data.length - pos) fail("cbor");
  if (major === 4) {
    const items = [];
    for (let i = 0; i < argument; i += 1) {
      let item;
      [item, pos] = cborItem(data, pos, depth + 1);
      items.push(item);
    }
    return [items, pos];
  }
  if (major === 5) {
    const map = new Map();
    let previous = new Uint8Array(0);
    for (let i = 0; i < argument; i += 1) {
      const start = pos;
      let key, value;
      [key, pos] = cborItem(data, pos, depth + 1);
      const encoded = data.subarray(start, pos);
      if (!["number", "string"].includes(typeof key) || compareBytes(encoded, previous) <= 0) fail("cbor");
      previous = encoded;
      [value, pos] = cborItem(data, pos, depth + 1);
      map.set(key, value);
    }
    return [map, pos];
  }
  return fail("cbor"); // tags, floats, simple values
}
function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
function cborOr(code, data) {
  try { return cborDecode(data); } catch (error) { return fail(code); }
}
function bstrHeader(length) {
  if (length < 24) return [0x40 + length];
  if (length < 256) return [0x58, length];
  return [0x59, length >> 8, length & 0xff];
}

// --- COSE_Sign1 and the claims --------------------------------------------------------
const isBytes = (v) => v instanceof Uint8Array;
function parseCose(raw) {
  if (raw.length > 600 || raw[0] !== 0xd2) fail("bad_cose");
  const message = cborOr("bad_cbor", raw.subarray(1));
  if (!Array.isArray(message) || message.length !== 4) fail("bad_cose");
  const [protectedBytes, unprotected, payload, signature] = message;
  if (!isBytes(protectedBytes) || !(unprotected instanceof Map) || unprotected.size !== 0
      || !isBytes(payload) || !isBytes(signature) || signature.length !== 64) fail("bad_cose");
  const header = cborOr("bad_cbor", protectedBytes);
  if (!(header instanceof Map) || header.size !== 2 || !header.has(1) || !header.has(4)) fail("bad_cose");
  if (header.get(1) !== -8) fail("wrong_alg");
  const kid = header.get(4);
  if (!isBytes(kid) || kid.length < 1 || kid.length > 8) fail("bad_cose");
  const tbs = Uint8Array.from([
    0x84, 0x6a, ...new TextEncoder().encode("Signature1"),
    ...bstrHeader(protectedBytes.length), ...protectedBytes, 0x40,
    ...bstrHeader(payload.length), ...payload,
  ]);
  return { kid: hex(kid), payload, signature, tbs };
}

const TEXT_LIMITS = { 1: 24, 2: 16, 3: 24, 4: 8, 8: 16, 9: 48 };
const UINT_LIMITS = { 4: 2 ** 16, 5: 2932897, 6: 2932897, 7: 2 ** 32, 8: 2 ** 32, 10: 4 };
const REQUIRED = [1, 2, 3, 4, 5, 7, 8];
function decodeClaims(payload) {
  const map = cborOr("bad_claims", payload);
  if (!(map instanceof Map) || !REQUIRED.every((k) => map.has(k))) fail("bad_claims");
  for (const [key, value] of map) {
    if (typeof value === "string") {
      if (!(key in TEXT_LIMITS) || new TextEncoder().encode(value).length > TEXT_LIMITS[key]) fail("bad_claims");
    } else if (typeof value === "number") {
      if (!(key in UINT_LIMITS) || value < 0 || value >= UINT_LIMITS[key]) fail("bad_claims");
    } else fail("bad_claims");
  }
  return {
    serial: map.get(1), issuer: map.get(2), achievement: map.get(3), level: map.get(4),
    issued: map.get(5), validUntil: map.get(6), statusIndex: map.get(7), statusList: map.get(8),
    holder: map.get(9) || "",
  };
}

// --- The bundle -------------------------------------------------------------------------
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58Decode(text) {
  let n = 0n;
  for (const c of text) {
    const digit = B58.indexOf(c);
    if (digit < 0) throw new Error("base58");
    n = n * 58n + BigInt(digit);
  }
  const bytes = [];
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  const zeros = text.length - text.replace(/^1+/, "").length;
  return Uint8Array.from([...new Array(zeros).fill(0), ...bytes]);
}

async function prepare(bundle) {
  const keys = new Map();
  for (const entry of bundle.trustList.keys) {
    const multikey = base58Decode(entry.publicKeyMultibase.slice(1)); // "z": base58btc
    if (multikey[0] !== 0xed || multikey[1] !== 0x01 || multikey.length !== 34) continue;
    const key = await crypto.subtle.importKey("raw", multikey.subarray(2), { name: "Ed25519" }, false, ["verify"]);
    keys.set(entry.kid, { key, entry });
  }
  return { bundle, keys, lists: new Map() };
}

async function statusBits(trusted, id) {
  if (!trusted.lists.has(id)) {
    const credential = trusted.bundle.statusLists[String(id)];
    if (!credential) return null;
    const encoded = credential.credentialSubject.encodedList.slice(1); // "u": base64url
    const raw = Uint8Array.from(atob(encoded.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    trusted.lists.set(id, await inflate(raw, "gzip", 1 << 20));
  }
  return trusted.lists.get(id);
}

// --- Verifying ------------------------------------------------------------------------
async function verify(trusted, input) {
  // A space is a Base45 digit, so only line breaks are trimmed at the end.
  const text = input.trimStart().replace(/[\r\n\t]+$/, "");
  const { bundle } = trusted;
  if (text.length > 1000) fail("too_long");
  if (!text.startsWith(bundle.qrPrefix)) fail("wrong_prefix");
  let raw = base45Decode(text.slice(bundle.qrPrefix.length));
  if (raw[0] === 0x78) raw = await inflate(raw, "deflate", 600).catch(() => fail("bad_zlib"));
  const cose = parseCose(raw);
  const signer = trusted.keys.get(cose.kid);
  if (!signer) fail("unknown_kid");
  if (!(await crypto.subtle.verify({ name: "Ed25519" }, signer.key, cose.signature, cose.tbs))) fail("bad_signature");
  const claims = decodeClaims(cose.payload);
  if (claims.issuer !== bundle.qrIssuer) fail("foreign_issuer");
  const retired = signer.entry.retiredAt;
  if (retired && claims.issued > Math.floor((Date.parse(retired) + bundle.utcOffsetMinutes * 60_000) / DAY_MS)) {
    fail("signed_after_retirement");
  }
  if (typeof claims.statusList !== "number") fail("unknown_status_list");
  const bits = await statusBits(trusted, claims.statusList);
  if (!bits || claims.statusIndex >= bits.length * 8) fail("unknown_status_list");
  const revoked = bits[claims.statusIndex >> 3] & (0x80 >> (claims.statusIndex % 8));
  const today = Math.floor(Date.now() / DAY_MS);
  let status = "valid";
  let reason = "";
  if (revoked) [status, reason] = ["revoked", TEXT.reasons.revoked];
  else if (claims.validUntil !== undefined && today > claims.validUntil) {
    [status, reason] = ["expired", TEXT.reasons.expired.replace("%(day)s", day(claims.validUntil))];
  } else if (today < claims.issued - 1) [status, reason] = ["not_yet_valid", TEXT.reasons.not_yet_valid];
  const known = bundle.achievements[claims.achievement] || {};
  return {
    status, reason, facts: {
      serial: claims.serial,
      holder: claims.holder || TEXT.noHolder,
      achievement: known.name || claims.achievement,
      level: known.level || String(claims.level),
      issued: day(claims.issued),
      validUntil: claims.validUntil === undefined ? TEXT.forever : day(claims.validUntil),
      issuer: bundle.issuer.name,
    },
  };
}

function day(epochDay) {
  const d = new Date(epochDay * DAY_MS);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

function show(result) {
  verdict.className = `verdict ${result.status}`;
  const headline = TEXT.headlines[result.status];
  verdict.querySelector("h2").textContent = result.reason ? `${headline}: ${result.reason}` : headline;
  const facts = verdict.querySelector("dl");
  facts.hidden = !result.facts;
  for (const [name, value] of Object.entries(result.facts || {})) {
    facts.querySelector(`[data-fact="${name}"]`).textContent = value;
  }
  verdict.hidden = false;
}

async function check(trusted) {
  try {
    show(await verify(trusted, field.value));
  } catch (error) {
    const code = error instanceof Invalid ? error.message : "internal_error";
    show({ status: "invalid", reason: TEXT.reasons[code] || TEXT.reasons.internal_error });
  }
}

// --- Data, cache age, the service worker --------------------------------------------------
function describeAge(bundle) {
  const generated = new Date(bundle.generated);
  const when = new Intl.DateTimeFormat(document.documentElement.lang || "vi", {
    hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
  }).format(generated);
  state.textContent = TEXT.updated.replace("%(time)s", when);
  const limit = bundle.staleAfterSeconds * 1000;
  staleNote.hidden = Date.now() - generated.getTime() <= limit;
  staleNote.textContent = TEXT.stale.replace("%(days)s", String(Math.round(limit / DAY_MS)));
}

async function load() {
  let bundle;
  try {
    const response = await fetch(form.dataset.bundle, { cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    bundle = await response.json();
  } catch (error) {
    state.textContent = TEXT.noData;
    return;
  }
  describeAge(bundle);
  let trusted;
  try {
    trusted = await prepare(bundle);
  } catch (error) {
    state.textContent = TEXT.noCrypto;
    return;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check(trusted);
  });
  form.dataset.ready = "true";
  startScanner(bundle.qrPrefix);
}

async function keepOffline() {
  if (!("serviceWorker" in navigator)) return;
  await navigator.serviceWorker.register(form.dataset.worker, { scope: form.dataset.scope });
  await navigator.serviceWorker.ready;
  ready.textContent = TEXT.ready;
  ready.hidden = false;
}

// Camera scanning where the browser has BarcodeDetector; elsewhere paste the QR text.
async function startScanner(prefix) {
  const scan = document.getElementById("scan");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const formats = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
  if (!formats.includes("qr_code")) return;
  scan.hidden = false;
  document.getElementById("scan-start").addEventListener("click", async () => {
    const video = document.getElementById("scan-video");
    try {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const tick = async () => {
        const codes = await detector.detect(video).catch(() => []);
        const found = codes.find((code) => code.rawValue.startsWith(prefix));
        if (!found) return requestAnimationFrame(tick);
        stream.getTracks().forEach((track) => track.stop());
        video.hidden = true;
        field.value = found.rawValue;
        form.requestSubmit();
      };
      tick();
    } catch (error) {
      scan.hidden = true;
    }
  });
}

load();
keepOffline().catch(() => {});
