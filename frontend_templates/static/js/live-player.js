// A live game on a player's phone: one websocket (protocol in contest/live/consumers.py),
// every screen drawn from the server's frames. The page arrives drawn from a snapshot;
// after a drop it reconnects (1, 2, 4 … 10 s), says hello with its token, redraws from
// the snapshot and sends again an answer that was never acknowledged (the server keeps
// the first answer, so a repeat is harmless).
const $ = (id) => document.getElementById(id);
const root = $("live");
const T = JSON.parse($("live-text").textContent);
const boot = JSON.parse($("live-boot").textContent);
const fill = (text, values) => text.replace(/\{(\w)\}/g, (_, k) => values[k]);
const SHAPES = ["▲", "◆", "●", "■", "★", "♥"];
const LETTERS = "ABCDEF";
const SCREENS = ["lobby", "question", "board", "final", "out"];

let ws = null;
let retry = 0;
let stopped = false;
let version = -1;
let offset = 0; // server clock − this clock, ms
let bestRtt = Infinity;
let helloAt = 0;
let count = boot.snapshot.question_count;
let me = boot.snapshot.me;
// The question on screen and its clock, in this device's ms.
let q = -1;
let phase = "";
let opens = 0;
let deadline = 0;
let multiple = false;
let delay = 0;
let paused = false;
let pending = null; // an answer sent and not yet acknowledged
let mine = null; // the acknowledged choice
let seq = 0;
let timer = 0;
let again = 0;
let rtt = 0;

const local = (serverSeconds) => serverSeconds * 1000 - offset;
const send = (body) => ws && ws.readyState === 1 && ws.send(JSON.stringify(body));
// Two live regions, each said once per change: the question's state, and one's answer.
const say = (id, text) => {
  if ($(id).textContent !== text) $(id).textContent = text;
};
const status = (text) => say("q-status", text);
const said = (text) => say("q-ack", text);
// replaceChildren is too new for some phones' web views (Chrome 86): empty, then append.
const put = (node, children) => {
  node.textContent = "";
  node.append(...children);
};
const buttons = () => [...$("q-options").querySelectorAll("button")];

function show(screen) {
  for (const name of SCREENS) $(`s-${name}`).hidden = name !== screen;
}

function scoreLine(score, rank) {
  if (score != null) $("me-score").textContent = fill(T.score, { s: score });
  $("me-rank").textContent = rank ? ` · ${fill(T.rank, { r: rank })}` : "";
}

function connect() {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${root.dataset.ws}`);
  ws.onopen = () => {
    retry = 0;
    hello();
  };
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = () => {
    ws = null;
    if (stopped) return;
    $("live-net").hidden = false;
    again = setTimeout(connect, Math.min(10, 2 ** retry++) * 1000);
  };
}

function hello() {
  helloAt = Date.now();
  send({ t: "hello", token: boot.token });
}

// Half the round trip of hello → snapshot is the best guess of the one-way delay.
function sync(serverNow) {
  const now = Date.now();
  if (!helloAt) return;
  const trip = now - helloAt;
  if (trip < bestRtt) {
    bestRtt = trip;
    offset = serverNow * 1000 - (helloAt + now) / 2;
  }
  helloAt = 0;
}

function receive(f) {
  if (f.t === "snapshot") {
    sync(f.s.server_now);
    version = f.v;
    $("live-net").hidden = true;
    draw(f.s);
  } else if (f.t === "ev") {
    if (f.v < version) return; // older than the snapshot on screen
    // pv is the version of the previous frame sent to everyone: newer than ours means
    // we missed one. Ask for a snapshot, spread so a hall does not ask at once.
    if (version >= 0 && f.pv > version) setTimeout(hello, Math.random() * 1500);
    version = f.v;
    event(f.k, f.p);
  } else if (f.t === "me") {
    if (f.q === q) result(f.correct, f.points, f.score, f.rank);
  } else if (f.t === "ack") {
    if (f.q !== q) return;
    const same = pending && pending.c.join() === f.c.join();
    pending = null;
    picked(f.c);
    said(`${same || !f.dup ? T.received : T.received_first} ✓`);
  } else if (f.t === "reject") {
    if (f.q !== q) return;
    pending = null;
    if (f.code === "kicked") return out(T.kicked);
    if (f.code === "unknown_player") return location.reload();
    mine = null;
    said(f.message);
    tick();
  } else if (f.t === "error") {
    said(f.message);
  } else if (f.t === "pong" && f.ts) {
    rtt = Date.now() - f.ts;
  }
}

function draw(s) {
  me = s.me;
  if (!me) return location.reload(); // not a player of this game: the page says how to join
  if (me.kicked) return out(T.kicked);
  count = s.question_count;
  scoreLine(me.score, me.rank);
  pause(s.phase === "paused");
  const now = s.phase_effective;
  if (now === "lobby") return show("lobby");
  if (now === "finished") return final(s.leaderboard, me.rank, me.score);
  if (!s.question) return;
  question({ ...s, content: s.question.content, question: s.question });
  if (me.answered) {
    pending = null;
    picked(me.choice);
    said(`${T.received} ✓`);
  } else if (pending && pending.q === q) {
    send(pending); // never acknowledged: send it again
  }
  if (now === "closed") closed();
  if (now === "reveal" || now === "leaderboard") {
    reveal(s.question.correct_option_ids, s.question.explanation);
    if (me.result) result(me.result.is_correct, me.result.points, me.score, me.rank);
  }
  if (now === "leaderboard") board(s.leaderboard);
}

function event(kind, p) {
  if (kind === "question_started") {
    pause(false);
    question(p);
  } else if (kind === "question_closed") {
    if (p.question_index === q) closed();
  } else if (kind === "question_voided") {
    phase = "void";
    lock();
    status(T.voided);
  } else if (kind === "question_revealed") {
    if (p.question_index !== q) return hello();
    reveal(p.correct_option_ids, p.explanation);
  } else if (kind === "leaderboard_shown") {
    board(p);
  } else if (kind === "game_paused") {
    pause(true);
  } else if (kind === "game_resumed") {
    pause(false);
    if (p.deadline) times(p.opens_at, p.deadline);
  } else if (kind === "time_extended") {
    times(null, p.deadline);
  } else if (kind === "game_finished") {
    final(p, null, null);
    setTimeout(hello, Math.random() * 1500); // for one's own final rank
  } else if (kind === "player_kicked") {
    out(T.kicked);
  }
}

function question(p) {
  const content = p.content;
  if (p.question_index !== q) {
    q = p.question_index;
    mine = null;
    if (pending && pending.q !== q) pending = null;
    multiple = Boolean(p.question.multiple);
    $("q-stem").textContent = content.stem;
    const img = $("q-img");
    img.hidden = !content.image_url;
    if (content.image_url) img.src = content.image_url;
    img.alt = content.image_alt || "";
    put($("q-options"), content.options.slice(0, 6).map(option));
    $("q-result").textContent = "";
    $("q-expl").hidden = true;
    said("");
    times(p.opens_at, p.deadline);
    // d, the delay the server may forgive (bounded by it): how much later than the
    // server's opening the answers could open here. The read time absorbs a slow
    // delivery, so d is 0 unless the question arrived after the reading time was over.
    delay = Math.max(0, Math.round(Date.now() - opens));
  } else {
    times(p.opens_at, p.deadline);
  }
  $("q-no").textContent = fill(T.question, { i: q + 1, n: count });
  $("q-send").hidden = !multiple;
  phase = "question";
  show("question");
  tick();
}

function option(o, i) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `live-opt o${i}`;
  b.dataset.id = o.id;
  b.disabled = true;
  for (const [cls, text] of [["live-shape", SHAPES[i]], ["live-letter", LETTERS[i]], ["live-text", o.text]]) {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    if (cls === "live-shape") span.setAttribute("aria-hidden", "true");
    b.append(span);
  }
  return b;
}

function times(opensAt, deadlineAt) {
  if (opensAt != null) opens = local(opensAt);
  if (deadlineAt != null) deadline = local(deadlineAt);
  tick();
}

// The countdown; answers open at the server's opening time (or on arrival, if later).
function tick() {
  clearTimeout(timer);
  if (phase !== "question") return;
  if (paused) return lock(); // the server shifts the clock when the game resumes
  const now = Date.now();
  const clock = $("q-clock");
  if (now < opens) {
    clock.textContent = Math.ceil((opens - now) / 1000);
    status(T.read);
    lock();
  } else if (now < deadline) {
    clock.textContent = Math.ceil((deadline - now) / 1000);
    const open = !mine && !pending;
    for (const b of buttons()) b.disabled = !open;
    $("q-send").disabled = !open;
    status(open ? (multiple ? T.open_multiple : T.open) : "");
  } else {
    clock.textContent = "0";
    lock();
  }
  timer = setTimeout(tick, 250);
}

function lock() {
  for (const b of buttons()) b.disabled = true;
  $("q-send").disabled = true;
}

function answer(choice) {
  pending = { t: "answer", q, c: choice, d: delay, id: ++seq };
  picked(choice);
  said(T.sending);
  lock();
  send(pending);
}

function picked(choice) {
  mine = choice;
  for (const b of buttons()) b.setAttribute("aria-pressed", String(choice.includes(b.dataset.id)));
}

function closed() {
  phase = "closed";
  lock();
  $("q-clock").textContent = "0";
  status(mine || pending ? T.time_up : T.no_answer);
}

function reveal(correct, explanation) {
  phase = "reveal";
  lock();
  status("");
  for (const b of buttons()) {
    if (!correct.includes(b.dataset.id) || b.querySelector(".live-right")) continue;
    b.classList.add("right");
    const mark = document.createElement("span");
    mark.className = "live-right";
    mark.textContent = `✓ ${T.answer}`;
    b.append(mark);
  }
  const expl = $("q-expl");
  expl.textContent = explanation || "";
  expl.hidden = !explanation;
}

function result(correct, points, score, rank) {
  $("q-result").textContent = correct ? fill(T.right, { p: points }) : mine ? T.wrong : T.no_answer;
  scoreLine(score, rank);
}

function rows(list, top) {
  put(
    list,
    (top || []).map((row) => {
      const li = document.createElement("li");
      if (me && row.player_id === me.player_id) li.className = "mine";
      const name = document.createElement("span");
      name.textContent = row.nickname;
      const score = document.createElement("b");
      score.textContent = row.score;
      li.append(name, " ", score);
      return li;
    }),
  );
}

function board(p) {
  phase = "board";
  rows($("board"), p && p.top);
  show("board");
}

function final(p, rank, score) {
  phase = "final";
  if (p) rows($("final-board"), p.top);
  $("final-rank").textContent = rank ? fill(T.final_rank, { r: rank, s: score }) : "";
  show("final");
}

function pause(on) {
  paused = on;
  $("live-paused").hidden = !on;
  tick();
}

function out(text) {
  stopped = true;
  $("out-text").textContent = text;
  show("out");
  if (ws) ws.close();
}

$("q-options").addEventListener("click", (event) => {
  const b = event.target.closest("button");
  if (!b || b.disabled) return;
  if (multiple) b.setAttribute("aria-pressed", String(b.getAttribute("aria-pressed") !== "true"));
  else answer([b.dataset.id]);
});
$("q-send").addEventListener("click", () => {
  const choice = buttons()
    .filter((b) => b.getAttribute("aria-pressed") === "true")
    .map((b) => b.dataset.id);
  if (choice.length) answer(choice);
});
// A phone back from another app may hold a dead socket: check at once.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || stopped) return;
  if (ws && ws.readyState === 1) hello();
  else if (!ws) {
    clearTimeout(again);
    retry = 0;
    connect();
  }
});
// Pings keep the server's network panel right (round trip, last seen).
setInterval(() => send({ t: "ping", ts: Date.now(), rtt: Math.round(rtt) }), 5000);

offset = boot.snapshot.server_now * 1000 - Date.now();
draw(boot.snapshot);
connect();
