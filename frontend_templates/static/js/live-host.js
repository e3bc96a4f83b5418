// The host's projector screen: the game as the room sees it, and the host's controls.
// One websocket (protocol in contest/live/consumers.py); every frame carries the state
// version, and the host hears every event, so a jump means a frame was lost: ask for a
// snapshot. After a drop: reconnect (1, 2, 4 … 10 s) and redraw from the snapshot.
const $ = (id) => document.getElementById(id);
const root = $("host");
const T = JSON.parse($("host-text").textContent);
const boot = JSON.parse($("host-boot").textContent);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);
const SECTIONS = ["lobby", "question", "board", "final"];

let ws = null;
let retry = 0;
let again = 0;
let version = -1;
let offset = 0; // server clock − this clock, ms
let bestRtt = Infinity;
let helloAt = 0;
let phase = "lobby";
let lateJoin = true;
let q = -1;
let opens = 0;
let deadline = 0;
let timer = 0;
let joined = 0;
let refresh = 0;

const local = (serverSeconds) => serverSeconds * 1000 - offset;
const send = (body) => ws && ws.readyState === 1 && ws.send(JSON.stringify(body));
const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = text;
  return node;
};

function show(section) {
  for (const name of SECTIONS) $(`h-${name}`).hidden = name !== section;
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
    $("h-link").hidden = false;
    again = setTimeout(connect, Math.min(10, 2 ** retry++) * 1000);
  };
}

function hello() {
  helloAt = Date.now();
  send({ t: "hello" });
}

function sync(serverNow) {
  const now = Date.now();
  // Half the round trip of hello → snapshot is the best guess of the one-way delay.
  const estimate = helloAt ? serverNow * 1000 - (helloAt + now) / 2 : serverNow * 1000 - now;
  const trip = helloAt ? now - helloAt : Infinity;
  if (trip < bestRtt || bestRtt === Infinity) {
    bestRtt = trip;
    offset = estimate;
  }
  helloAt = 0;
}

function receive(f) {
  if (f.t === "snapshot") {
    sync(f.s.server_now);
    version = f.v;
    $("h-link").hidden = true;
    draw(f.s);
  } else if (f.t === "ev") {
    if (f.v < version) return;
    const gap = version >= 0 && f.v > version + 1;
    version = f.v;
    event(f.k, f.p);
    if (gap) hello();
  } else if (f.t === "count") {
    if (f.q === q) counter(f.answered, f.eligible);
  } else if (f.t === "lobby") {
    lobby(f.players, f.recent);
  } else if (f.t === "network") {
    $("h-net").textContent = fill(T.network, { c: f.connected, s: f.slow, o: f.offline });
  } else if (f.t === "ok") {
    $("h-msg").textContent = "";
  } else if (f.t === "error") {
    $("h-msg").textContent = f.message;
  }
}

function draw(s) {
  lateJoin = s.late_join_open;
  phase = s.phase;
  const now = s.phase === "paused" ? s.paused_from : s.phase;
  if (s.lobby) lobby(s.lobby.players, s.lobby.recent);
  if (now === "lobby") show("lobby");
  else if (now === "finished") final(s.leaderboard);
  else if (s.question) {
    question({ ...s, content: s.question.content });
    counter(s.answered, s.eligible);
    if (now !== "question") $("h-clock").textContent = "";
    if (now === "reveal" || now === "leaderboard") {
      reveal({ ...s.question, option_counts: s.option_counts || {}, answered: s.answered });
    }
    if (now === "leaderboard") board(s.leaderboard);
  }
  controls();
}

function event(kind, p) {
  if (kind === "question_started") {
    phase = "question";
    question(p);
    counter(0, p.eligible ?? Number($("h-joined").textContent));
  } else if (kind === "question_closed") {
    phase = "closed";
    counter(p.answered, p.eligible);
    $("h-clock").textContent = "";
  } else if (kind === "question_revealed") {
    phase = "reveal";
    reveal(p);
  } else if (kind === "leaderboard_shown") {
    phase = "leaderboard";
    board(p);
  } else if (kind === "game_paused") {
    phase = "paused";
  } else if (kind === "game_resumed") {
    phase = p.phase;
    if (p.deadline) times(p.opens_at, p.deadline);
  } else if (kind === "time_extended") {
    times(null, p.deadline);
  } else if (kind === "game_finished") {
    phase = "finished";
    final(p);
  } else if (kind === "late_join_closed") {
    lateJoin = false;
  } else if (kind === "player_kicked") {
    if ($("h-players").open) players();
  }
  controls();
}

function controls() {
  for (const b of document.querySelectorAll("[data-c]")) {
    b.hidden = !b.dataset.when.split(" ").includes(phase);
  }
  if (!lateJoin) $("h-close-join").hidden = true;
  $("h-next").textContent = q + 1 >= boot.count ? T.last : T.next;
  $("h-paused").hidden = phase !== "paused";
  tick();
}

function question(p) {
  if (p.question_index !== q) {
    q = p.question_index;
    const content = p.content;
    $("h-stem").textContent = content.stem;
    const img = $("h-img");
    img.hidden = !content.image_url;
    if (content.image_url) img.src = content.image_url;
    img.alt = content.image_alt || "";
    $("h-options").replaceChildren(
      ...content.options.slice(0, 6).map((o, i) => {
        const li = el("li", `host-opt o${i}`);
        li.dataset.id = o.id;
        const shape = el("span", "host-shape", boot.shapes[i]);
        shape.setAttribute("aria-hidden", "true");
        const bar = el("span", "host-bar-fill");
        li.append(shape, el("b", "host-letter", boot.letters[i]), el("span", "host-text", o.text));
        li.append(el("span", "host-count"), bar);
        return li;
      }),
    );
    $("h-expl").hidden = true;
  }
  $("h-qno").textContent = fill(T.question, { i: q + 1, n: boot.count });
  times(p.opens_at, p.deadline);
  show("question");
}

function times(opensAt, deadlineAt) {
  if (opensAt != null) opens = local(opensAt);
  if (deadlineAt != null) deadline = local(deadlineAt);
  tick();
}

function tick() {
  clearTimeout(timer);
  if (phase !== "question") return;
  const now = Date.now();
  const clock = $("h-clock");
  if (now < opens) clock.textContent = `${T.read} ${Math.ceil((opens - now) / 1000)}`;
  else clock.textContent = Math.max(0, Math.ceil((deadline - now) / 1000));
  timer = setTimeout(tick, 250);
}

function counter(answered, eligible) {
  $("h-count").textContent = fill(T.answered, { a: answered, n: eligible });
}

function reveal(p) {
  const counts = p.option_counts || {};
  const total = Math.max(1, p.answered || 0);
  for (const li of $("h-options").children) {
    const n = counts[li.dataset.id] || 0;
    li.querySelector(".host-count").textContent = n;
    li.querySelector(".host-bar-fill").style.width = `${(100 * n) / total}%`;
    li.classList.add("shown");
    if (p.correct_option_ids.includes(li.dataset.id) && !li.querySelector(".host-right")) {
      li.classList.add("right");
      li.append(el("span", "host-right", `✓ ${T.answer}`));
    }
  }
  $("h-expl").textContent = p.explanation || "";
  $("h-expl").hidden = !p.explanation;
  show("question");
}

function kickButton(row) {
  const b = el("button", "host-kick", T.kick);
  b.type = "button";
  b.dataset.kick = row.player_id;
  b.dataset.name = row.nickname;
  return b;
}

function standing(row, withKick) {
  const li = el("li");
  li.append(el("span", "host-rank", row.rank), el("span", "host-name", row.nickname));
  if (row.team) li.append(el("span", "host-team", row.team));
  li.append(el("b", "host-score", row.score));
  if (withKick) li.append(kickButton(row));
  return li;
}

function board(p) {
  const top = (p && p.top) || [];
  $("h-top").replaceChildren(...top.map((row) => standing(row, true)));
  const teams = (p && p.teams) || [];
  $("h-teams").replaceChildren(
    ...teams.slice(0, 10).map((t) => {
      const li = el("li");
      li.append(el("span", "host-name", t.team), el("span", "host-team", fill(T.members, { m: t.members })));
      li.append(el("b", "host-score", t.total));
      return li;
    }),
  );
  show("board");
}

function final(p) {
  const top = (p && p.top) || [];
  $("h-podium").replaceChildren(
    ...top.slice(0, 3).map((row) => {
      const li = standing(row, false);
      li.className = `place${row.rank}`;
      li.querySelector(".host-rank").className = "host-place";
      return li;
    }),
  );
  $("h-rest").replaceChildren(...top.slice(3).map((row) => standing(row, false)));
  show("final");
}

function lobby(players, recent) {
  $("h-joined").textContent = players;
  $("h-names").replaceChildren(...(recent || []).map((name) => el("li", "", name)));
  if (players !== joined && $("h-players").open) playersSoon();
  joined = players;
}

function playersSoon() {
  clearTimeout(refresh);
  refresh = setTimeout(players, 500);
}

async function players() {
  const list = $("h-player-list");
  try {
    const response = await fetch(boot.players, { credentials: "same-origin" });
    const body = await response.json();
    list.replaceChildren(
      ...body.players.map((row) => {
        const li = el("li", "", row.team ? `${row.nickname} · ${row.team} ` : `${row.nickname} `);
        li.append(kickButton(row));
        return li;
      }),
    );
    if (!body.players.length) list.replaceChildren(el("li", "", T.no_players));
  } catch {
    list.replaceChildren(el("li", "", T.offline));
  }
}

document.addEventListener("click", (event) => {
  const command = event.target.closest("[data-c]");
  const kick = event.target.closest("[data-kick]");
  if (command) {
    const c = command.dataset.c;
    if (c === "finish" && !window.confirm(T.finish_confirm)) return;
    send(c === "extend" ? { t: "cmd", c, seconds: 10 } : { t: "cmd", c });
  } else if (kick && window.confirm(fill(T.kick_confirm, { name: kick.dataset.name }))) {
    send({ t: "cmd", c: "kick", player_id: kick.dataset.kick });
  }
});
$("h-players").addEventListener("toggle", () => $("h-players").open && players());

controls();
connect();
