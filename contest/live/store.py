"""Live game state in Redis, shared by every daphne process.

The pure engine (:mod:`contest.live.engine`) decides; this module keeps its state
where any process can reach it, in a layout that keeps the hot paths O(1):

``live:{g}:meta``       the questions, their display content and the config (JSON,
                        written once when the game opens; cached per process)
``live:{g}:ctl``        hash: phase, version, question index, timestamps, counters
``live:{g}:players``    hash: player id → player JSON
``live:{g}:nicks``      hash: folded nickname → player id (one nickname per game)
``live:{g}:kicked``     set of kicked player ids
``live:{g}:joined``     list: the latest nicknames, for the host's lobby
``live:{g}:ans:{i}``    hash: player id → the raw answer to question i (choice, time)
``live:{g}:rank``       hash: player id → "rank score points correct" after scoring
``live:{g}:scores``     sorted set: player id → score (O(log N) rank for anyone)
``live:{g}:net``        hash: process id → that process's connection counts
``live:{g}:lock``       the host-command lock

Two paths write:

* **Joins and answers** (thousands per question) run as Lua scripts: one round
  trip, atomic, O(1). The answer script is the single place that accepts an
  answer: it mirrors the engine's acceptance rules (phase, question, window,
  kicked) and stores the answer with HSETNX semantics, so an answer is
  idempotent per (game, question, player) however many processes receive it.
* **Host commands and the clock** (a few per question) take the lock, load the
  state (players + the current question's answers, replayed through the engine
  in the order received), apply the command with the engine, and write back only
  what changed. O(players) per command, which is what scoring needs anyway.

The `{g}` braces are a Redis Cluster hash tag: all keys of one game live on one
shard, which the Lua scripts need.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from contest.live.answers import record_accepted_answer
from contest.live.engine import (
    SCHEMA_VERSION,
    Event,
    GameState,
    Json,
    Player,
    from_dict,
    player_to_dict,
    rank_of,
    to_dict,
)
from contest.live.scoring import fair_response_seconds
from contest.live.serialization import control_to_dict

JOINED_SHOWN = 30  # nicknames the host's lobby lists
LOCK_TTL_MS = 10_000
CTL_FIELDS = (
    "phase",
    "version",
    "question_index",
    "shown_at",
    "opens_at",
    "deadline",
    "paused_from",
    "paused_at",
    "late_join_open",
    "next_join_order",
    "last_scored_index",
)


def key(game_id: str, name: str) -> str:
    return f"live:{{{game_id}}}:{name}"


# --- Lua: the hot paths --------------------------------------------------------

# KEYS: ctl, players, nicks, kicked, joined, scores
# ARGV: player id, folded nickname, player JSON (join_order filled in here), shown
# Returns {status, player JSON or "", version}
JOIN_LUA = """
local ctl = redis.call('HMGET', KEYS[1], 'phase', 'late_join_open', 'version')
if not ctl[1] then return {'no_game', '', 0} end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 then return {'kicked', '', ctl[3]} end
  return {'rejoined', existing, ctl[3]}
end
if ctl[1] == 'finished' then return {'finished', '', ctl[3]} end
if ctl[1] ~= 'lobby' and ctl[2] ~= '1' then return {'late_join_closed', '', ctl[3]} end
if redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[1]) == 0 then
  return {'nickname_taken', '', ctl[3]}
end
local order = redis.call('HINCRBY', KEYS[1], 'next_join_order', 1) - 1
redis.call('HINCRBY', KEYS[1], 'active', 1)
local player = cjson.decode(ARGV[3])
player['join_order'] = order
local encoded = cjson.encode(player)
redis.call('HSET', KEYS[2], ARGV[1], encoded)
redis.call('ZADD', KEYS[6], 0, ARGV[1])
redis.call('LPUSH', KEYS[5], cjson.encode({p = ARGV[1], n = player['nickname']}))
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[4]) - 1)
return {'joined', encoded, ctl[3]}
"""

# KEYS: ctl, players, kicked, answers of question i
# ARGV: player id, question index, choice JSON, now, client receive delay (ms)
# Returns {status, stored answer JSON or "", version, answered count, active}
# Mirrors contest.live.answers.accept_answer; a duplicate returns the first answer.
# The stored answer keeps the elapsed time and the window as they were when it was
# accepted ("e", "l"), so a later pause, resume or extension cannot change its score.
ANSWER_LUA = """
local ctl = redis.call('HMGET', KEYS[1], 'phase', 'paused_from', 'question_index',
  'opens_at', 'deadline', 'version', 'active')
if not ctl[1] then return {'no_game', '', 0, 0, 0} end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return {'unknown_player', '', ctl[6], 0, 0}
end
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return {'kicked', '', ctl[6], 0, 0} end
local previous = redis.call('HGET', KEYS[4], ARGV[1])
if previous then
  return {'duplicate', previous, ctl[6], redis.call('HLEN', KEYS[4]), ctl[7]}
end
local phase = ctl[1]
if phase == 'paused' then phase = ctl[2] end
local reject = nil
if phase == 'lobby' then reject = 'not_open'
elseif phase == 'finished' then reject = 'too_late'
elseif tonumber(ctl[3]) ~= tonumber(ARGV[2]) then reject = 'wrong_question'
elseif phase ~= 'question' then reject = 'too_late'
elseif ctl[1] == 'paused' or tonumber(ARGV[4]) < tonumber(ctl[4]) then reject = 'not_open'
elseif tonumber(ARGV[4]) >= tonumber(ctl[5]) then reject = 'too_late'
end
if reject then return {reject, '', ctl[6], 0, 0} end
local now, opens = tonumber(ARGV[4]), tonumber(ctl[4])
local record = cjson.encode({c = cjson.decode(ARGV[3]), at = now, d = tonumber(ARGV[5]),
  e = now - opens, l = tonumber(ctl[5]) - opens})
redis.call('HSET', KEYS[4], ARGV[1], record)
return {'accepted', record, ctl[6], redis.call('HLEN', KEYS[4]), ctl[7]}
"""

# KEYS: lock; ARGV: token. Deletes the lock only if this holder still owns it.
UNLOCK_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    status: str
    player: Json | None
    version: int

    @property
    def ok(self) -> bool:
        return self.status in ("joined", "rejoined")


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    status: str
    choice: tuple[str, ...]
    received_at: float | None
    response_ms: int | None
    version: int
    answered: int
    active: int

    @property
    def ok(self) -> bool:
        return self.status in ("accepted", "duplicate")


@dataclass(slots=True)
class Loaded:
    """A state loaded for a host command, with what is needed to write back only changes."""

    state: GameState
    meta: Json
    stored_players: dict[str, Json]
    raw_answers: dict[str, Json]


class LockBusy(Exception):
    """Another process holds the game's lock for longer than we are willing to wait."""


def contest_key(contest_id: int, name: str) -> str:
    return f"livecontest:{contest_id}:{name}"


def fold_nickname(nickname: str) -> str:
    return " ".join(nickname.casefold().split())


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ctl_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _optional(value: str) -> float | None:
    return float(value) if value else None


class GameStore:
    """Redis access for live games. One instance per event loop (a Redis client is)."""

    def __init__(self, redis: Redis) -> None:
        # redis-py types its async commands as sync-or-async unions; keep it Any.
        self.redis: Any = redis
        self._join = redis.register_script(JOIN_LUA)
        self._answer = redis.register_script(ANSWER_LUA)
        self._unlock = redis.register_script(UNLOCK_LUA)

    # --- creation ------------------------------------------------------------

    async def create(
        self,
        state: GameState,
        content: list[Json],
        explanations: list[Json],
        *,
        pk: int,
        contest_id: int | None = None,
        venue: str = "",
    ) -> None:
        """Write a new game (lobby, no players). Refuses to overwrite a live game."""
        data = to_dict(state)
        meta = {
            "schema": SCHEMA_VERSION,
            "game_id": state.game_id,
            "pk": pk,
            "contest": contest_id,
            "venue": venue,
            "config": data["config"],
            "questions": data["questions"],
            "content": content,
            "explanations": explanations,
        }
        ctl = {name: _ctl_value(data[name]) for name in CTL_FIELDS}
        ctl["active"] = "0"
        created = await self.redis.set(key(state.game_id, "meta"), json.dumps(meta), nx=True)
        if not created:
            raise ValueError(f"live game {state.game_id} already exists")
        await self.redis.hset(key(state.game_id, "ctl"), mapping=ctl)

    async def exists(self, game_id: str) -> bool:
        return bool(await self.redis.exists(key(game_id, "ctl")))

    async def meta(self, game_id: str) -> Json:
        raw = await self.redis.get(key(game_id, "meta"))
        if raw is None:
            raise KeyError(game_id)
        meta: Json = json.loads(raw)
        return meta

    async def ctl(self, game_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(key(game_id, "ctl"))
        return {_text(k): _text(v) for k, v in raw.items()}

    async def delete(self, game_id: str) -> None:
        """Drop a finished game's live keys (its record is in PostgreSQL)."""
        names = [key(game_id, n) for n in ("meta", "ctl", "players", "nicks", "kicked")]
        names += [key(game_id, n) for n in ("joined", "rank", "scores", "net", "lock")]
        names += [key(game_id, n) for n in ("leaderboard", "reveal")]
        meta = await self.redis.get(key(game_id, "meta"))
        if meta is not None:
            count = len(json.loads(meta)["questions"])
            names += [key(game_id, f"ans:{i}") for i in range(count)]
        await self.redis.delete(*names)

    # --- hot paths -----------------------------------------------------------

    async def join(
        self, game_id: str, player_id: str, nickname: str, team: str | None
    ) -> JoinOutcome:
        player = player_to_dict(Player(player_id, nickname, team, join_order=-1))
        keys = [key(game_id, n) for n in ("ctl", "players", "nicks", "kicked", "joined", "scores")]
        args: list[Any] = [player_id, fold_nickname(nickname), json.dumps(player), JOINED_SHOWN]
        status, stored, version = await self._join(keys=keys, args=args)
        stored = _text(stored)
        return JoinOutcome(_text(status), json.loads(stored) if stored else None, int(version))

    async def answer(
        self,
        game_id: str,
        *,
        player_id: str,
        question_index: int,
        choice: tuple[str, ...],
        client_receive_delay_ms: int,
        now: float,
        max_grace_seconds: float,
    ) -> AnswerOutcome:
        keys = [
            key(game_id, "ctl"),
            key(game_id, "players"),
            key(game_id, "kicked"),
            key(game_id, f"ans:{question_index}"),
        ]
        args: list[Any] = [player_id, question_index, json.dumps(list(choice)), repr(now)]
        args.append(int(client_receive_delay_ms))
        result = await self._answer(keys=keys, args=args)
        status, stored, version, answered, active = (_text(v) for v in result)
        if status not in ("accepted", "duplicate"):
            return AnswerOutcome(status, (), None, None, int(version or 0), 0, 0)
        record = json.loads(stored)
        response = fair_response_seconds(
            opened_at=0.0,
            answered_at=float(record["e"]),
            client_receive_delay_ms=int(record["d"]),
            max_grace_seconds=max_grace_seconds,
        )
        return AnswerOutcome(
            status,
            tuple(str(c) for c in record["c"]),
            float(record["at"]),
            round(response * 1000),
            int(version),
            int(answered),
            int(active),
        )

    async def own_answer(self, game_id: str, question_index: int, player_id: str) -> Json | None:
        raw = await self.redis.hget(key(game_id, f"ans:{question_index}"), player_id)
        return json.loads(raw) if raw is not None else None

    async def player(self, game_id: str, player_id: str) -> Json | None:
        raw = await self.redis.hget(key(game_id, "players"), player_id)
        return json.loads(raw) if raw is not None else None

    async def kicked(self, game_id: str, player_id: str) -> bool:
        return bool(await self.redis.sismember(key(game_id, "kicked"), player_id))

    async def answered_count(self, game_id: str, question_index: int) -> int:
        return int(await self.redis.hlen(key(game_id, f"ans:{question_index}")))

    async def lobby(self, game_id: str) -> tuple[int, list[Json]]:
        """Players in the game and the latest to join ({player_id, nickname}, newest first)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hget(key(game_id, "ctl"), "active")
        pipe.lrange(key(game_id, "joined"), 0, JOINED_SHOWN - 1)
        active, raw = await pipe.execute()
        recent = [json.loads(item) for item in raw]
        return int(active or 0), [{"player_id": r["p"], "nickname": r["n"]} for r in recent]

    async def ranks(
        self, game_id: str, player_ids: list[str]
    ) -> dict[str, tuple[int, int, int, bool]]:
        """(rank, score, points for the last scored question, correct) per player, if scored."""
        if not player_ids:
            return {}
        values = await self.redis.hmget(key(game_id, "rank"), player_ids)
        out = {}
        for pid, value in zip(player_ids, values, strict=True):
            if value is not None:
                rank, score, points, correct = _text(value).split()
                out[pid] = (int(rank), int(score), int(points), correct == "1")
        return out

    async def write_leaderboard(self, game_id: str, payload: Json) -> None:
        await self.redis.set(key(game_id, "leaderboard"), json.dumps(payload))

    async def write_reveal(self, game_id: str, payload: Json) -> None:
        await self.redis.set(key(game_id, "reveal"), json.dumps(payload))

    async def shared_views(self, game_id: str, phase: str) -> Json:
        """The parts of a snapshot every player shares: the answer counts once revealed,
        the leaderboard once shown (cached when written, so O(1) per reconnect)."""
        out: Json = {}
        if phase in ("reveal", "leaderboard"):
            raw = await self.redis.get(key(game_id, "reveal"))
            if raw is not None:
                out["option_counts"] = json.loads(raw)["option_counts"]
        if phase in ("leaderboard", "finished"):
            raw = await self.redis.get(key(game_id, "leaderboard"))
            if raw is not None:
                out["leaderboard"] = json.loads(raw)
        return out

    async def write_combined(
        self, contest_id: int, game_id: str, venue: str, players: list[Player]
    ) -> None:
        """Feed a multi-venue contest's leaderboard: one sorted set across its games."""
        if not players:
            return
        scores = {f"{game_id}:{p.player_id}": p.score for p in players}
        names = {
            f"{game_id}:{p.player_id}": json.dumps({"nickname": p.nickname, "venue": venue})
            for p in players
        }
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(contest_key(contest_id, "scores"), scores)
        pipe.hset(contest_key(contest_id, "names"), mapping=names)
        await pipe.execute()

    async def combined_top(self, contest_id: int, n: int) -> list[Json]:
        raw = await self.redis.zrevrange(
            contest_key(contest_id, "scores"), 0, n - 1, withscores=True
        )
        if not raw:
            return []
        members = [_text(m) for m, _score in raw]
        names = await self.redis.hmget(contest_key(contest_id, "names"), members)
        rows = []
        for rank, ((_member, score), name) in enumerate(zip(raw, names, strict=True), start=1):
            info = json.loads(name) if name else {"nickname": "?", "venue": ""}
            rows.append({"rank": rank, "score": int(score), **info})
        return rows

    async def report_network(self, game_id: str, process_id: str, counts: Json) -> None:
        await self.redis.hset(key(game_id, "net"), process_id, json.dumps(counts))

    async def network(self, game_id: str) -> dict[str, Json]:
        raw = await self.redis.hgetall(key(game_id, "net"))
        return {_text(k): json.loads(v) for k, v in raw.items()}

    # --- host commands -------------------------------------------------------

    @asynccontextmanager
    async def locked(
        self, game_id: str, *, wait_seconds: float = LOCK_TTL_MS / 1000 + 1
    ) -> AsyncIterator[None]:
        """Hold the game's lock; a crashed holder's lock expires after LOCK_TTL_MS."""
        token = secrets.token_hex(8)
        lock_key = key(game_id, "lock")
        give_up = time.monotonic() + wait_seconds
        while not await self.redis.set(lock_key, token, nx=True, px=LOCK_TTL_MS):
            if time.monotonic() >= give_up:
                raise LockBusy(game_id)
            await asyncio.sleep(0.01)
        try:
            yield
        finally:
            await self._unlock(keys=[lock_key], args=[token])

    async def load(self, game_id: str) -> Loaded:
        """The full state: O(players + answers to the current question). Hold the lock."""
        return build(await self.fetch(game_id))

    async def fetch(self, game_id: str, *, light: bool = False) -> RawState:
        """What :func:`build` needs. ``light`` leaves out the players and answers, for
        commands that change only the control fields (see services.LIGHT_COMMANDS):
        O(1) instead of O(players); the cached leaderboard stands in for the ranking."""
        meta = await self.meta(game_id)
        if light:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hgetall(key(game_id, "ctl"))
            pipe.get(key(game_id, "leaderboard"))
            ctl_raw, board = await pipe.execute()
            ctl = {_text(k): _text(v) for k, v in ctl_raw.items()}
            cached = json.loads(board) if board is not None else None
            return RawState(game_id, meta, ctl, {}, set(), {}, light=True, leaderboard=cached)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(key(game_id, "ctl"))
        pipe.hgetall(key(game_id, "players"))
        pipe.smembers(key(game_id, "kicked"))
        ctl_raw, players_raw, kicked_raw = await pipe.execute()
        ctl = {_text(k): _text(v) for k, v in ctl_raw.items()}
        index = int(ctl["question_index"])
        answers_raw: dict[Any, Any] = {}
        if 0 <= index < len(meta["questions"]) and int(ctl["last_scored_index"]) != index:
            answers_raw = await self.redis.hgetall(key(game_id, f"ans:{index}"))
        return RawState(game_id, meta, ctl, players_raw, kicked_raw, answers_raw)

    async def save(self, loaded: Loaded) -> list[str]:
        """Write back the control fields and the players that changed; returns their ids."""
        changes = diff(loaded)
        await self.write(loaded, changes)
        return list(changes.players)

    async def write(self, loaded: Loaded, changes: Changes) -> None:
        game_id = loaded.state.game_id
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key(game_id, "ctl"), mapping=changes.ctl)
        if changes.players:
            pipe.hset(key(game_id, "players"), mapping=changes.players)
        if changes.newly_kicked:
            pipe.sadd(key(game_id, "kicked"), *changes.newly_kicked)
            pipe.zrem(key(game_id, "scores"), *changes.newly_kicked)
            pipe.hincrby(key(game_id, "ctl"), "active", -len(changes.newly_kicked))
        if changes.scores:
            pipe.zadd(key(game_id, "scores"), changes.scores)
        await pipe.execute()

    async def write_ranks(self, game_id: str, mapping: dict[str, str]) -> None:
        """After scoring: see :func:`rank_mapping`."""
        if mapping:
            await self.redis.hset(key(game_id, "rank"), mapping=mapping)


@dataclass(slots=True)
class RawState:
    """A game's Redis contents, fetched but not yet decoded (decoding is CPU work that
    callers may move off the event loop)."""

    game_id: str
    meta: Json
    ctl: dict[str, str]
    players: dict[Any, Any]
    kicked: set[Any]
    answers: dict[Any, Any]
    light: bool = False
    leaderboard: Json | None = None


@dataclass(slots=True)
class Changes:
    ctl: dict[str, str]
    players: dict[str, str]
    newly_kicked: list[str]
    scores: dict[str, int]


def build(raw: RawState) -> Loaded:
    """Decode a fetched game into the engine's state and replay its current answers."""
    meta, ctl = raw.meta, raw.ctl
    kicked = {_text(p) for p in raw.kicked}
    stored_players: dict[str, Json] = {}
    for pid_raw, value in raw.players.items():
        player = json.loads(value)
        player["last_ack"] = None  # acks are rebuilt from the answers below
        player["kicked"] = player["player_id"] in kicked
        stored_players[_text(pid_raw)] = player
    data: Json = {
        "schema": meta["schema"],
        "game_id": raw.game_id,
        "config": meta["config"],
        "questions": meta["questions"],
        "phase": ctl["phase"],
        "version": int(ctl["version"]),
        "question_index": int(ctl["question_index"]),
        "shown_at": _optional(ctl["shown_at"]),
        "opens_at": _optional(ctl["opens_at"]),
        "deadline": _optional(ctl["deadline"]),
        "paused_from": ctl["paused_from"] or None,
        "paused_at": _optional(ctl["paused_at"]),
        "late_join_open": ctl["late_join_open"] == "1",
        "next_join_order": int(ctl["next_join_order"]),
        "last_scored_index": int(ctl["last_scored_index"]),
        "players": list(stored_players.values()),
        "answers": [],
    }
    state = from_dict(data)
    if raw.light:
        state.active_count = int(ctl.get("active") or 0)
        state.leaderboard = raw.leaderboard
    raw_answers = {_text(k): json.loads(v) for k, v in raw.answers.items()}
    if raw_answers:
        _replay(state, raw_answers)
    return Loaded(state, meta, stored_players, raw_answers)


def diff(loaded: Loaded) -> Changes:
    """What changed since the load: the control fields and the changed players only."""
    state = loaded.state
    data = control_to_dict(state)
    # next_join_order and active belong to the join script between loads (a kick
    # decrements active in the write): never write back a counter read earlier.
    ctl = {name: _ctl_value(data[name]) for name in CTL_FIELDS if name != "next_join_order"}
    changed: dict[str, str] = {}
    for pid, player in state.players.items():
        current = player_to_dict(player)
        current["last_ack"] = None
        if current != loaded.stored_players.get(pid):
            changed[pid] = json.dumps(current)
    newly_kicked = [
        pid
        for pid in changed
        if state.players[pid].kicked and not loaded.stored_players[pid]["kicked"]
    ]
    scores = {pid: state.players[pid].score for pid in changed if not state.players[pid].kicked}
    return Changes(ctl, changed, newly_kicked, scores)


def rank_mapping(state: GameState, points: dict[str, tuple[int, bool]]) -> dict[str, str]:
    """Every active player's "rank score points correct" after scoring, for O(1) look-ups."""
    mapping = {}
    for pid, player in state.players.items():
        if player.kicked:
            continue
        got, correct = points.get(pid, (0, False))
        mapping[pid] = f"{rank_of(state, pid)} {player.score} {got} {1 if correct else 0}"
    return mapping


def _replay(state: GameState, raw_answers: dict[str, Json]) -> None:
    """Give the engine the stored answers, in the order received, so it scores them.

    The Redis script already accepted each one (it mirrors the engine's checks), so
    they go straight to the engine's recording step with the elapsed time and window
    seen at acceptance. Not counted as versions: answers change nothing players see.
    An answer of a player kicked since is dropped, as the engine drops it on a kick.
    """
    version = state.version
    events: list[Event] = []
    ordered = sorted(raw_answers.items(), key=lambda item: (item[1]["at"], item[0]))
    for pid, raw in ordered:
        player = state.players.get(pid)
        if player is None or player.kicked:
            continue
        record_accepted_answer(
            state,
            pid,
            tuple(str(c) for c in raw["c"]),
            received_at=float(raw["at"]),
            elapsed_seconds=float(raw["e"]),
            limit_seconds=float(raw["l"]),
            client_receive_delay_ms=int(raw["d"]),
            events=events,
        )
    state.version = version
