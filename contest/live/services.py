"""Running live games: build one from the bank, open it, join, answer, host commands.

The engine decides (pure, :mod:`contest.live.engine`), the store keeps the state
in Redis (:mod:`contest.live.store`), the fan-out delivers (:mod:`contest.live.fanout`),
and PostgreSQL keeps the record (:mod:`contest.live.models`). Everything that runs
while a game is live is async, for the websocket consumers; the few sync callers
(pages, management commands) go through :func:`run`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from asgiref.sync import async_to_sync, sync_to_async
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.live import connection, fanout, record
from contest.live.answers import valid_choice
from contest.live.commands import (
    MAX_NICKNAME_LENGTH,
    MAX_TEAM_LENGTH,
    CloseLateJoin,
    Command,
    ExtendTime,
    Next,
    Pause,
    Resume,
    ShowLeaderboard,
    Start,
)
from contest.live.connection import game_store
from contest.live.engine import (
    GameConfig,
    GameState,
    Json,
    QuestionSpec,
    Reject,
    apply,
    host_view,
    new_game,
    tick,
)
from contest.live.models import LiveGame, LiveGameQuestion, LivePlayer
from contest.live.moderation import is_blocked
from contest.live.scoring import ScoringMode, fair_response_seconds
from contest.live.serialization import _question_from_dict, public_question
from contest.live.standings import leaderboard_payload
from contest.live.state import REVEALED, RUNNING, Event, Phase, Player, Result
from contest.live.store import (
    AnswerOutcome,
    Changes,
    GameStore,
    JoinOutcome,
    Loaded,
    LockBusy,
    RawState,
    build,
    diff,
    rank_mapping,
)
from question_banks.models import QuestionVersion

T = TypeVar("T")
logger = logging.getLogger(__name__)
TOKEN_SALT = "contest.live.player"  # noqa: S105 - a signing salt, not a secret
SUPPORTED_TYPES = (
    QuestionVersion.Type.SINGLE,
    QuestionVersion.Type.MULTIPLE,
    QuestionVersion.Type.TRUE_FALSE,
    QuestionVersion.Type.IMAGE,
)
# Per-process cache of each game's immutable meta (questions, content, config).
_meta_cache: dict[str, Json] = {}
# The same questions decoded once per process, for the answer path and snapshots.
_specs_cache: dict[str, tuple[QuestionSpec, ...]] = {}
# Tasks started without waiting for them, kept referenced until done.
_background: set[asyncio.Future[bool]] = set()


class LiveError(Exception):
    """A refusal with a message for people (Vietnamese by default) and a stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def reject_message(code: str) -> str:
    messages = {
        Reject.ILLEGAL_PHASE: _("Không thể làm việc này ở bước hiện tại của trò chơi."),
        Reject.NOT_YET: _("Chưa đến lúc: hãy chờ hết giờ hoặc mọi người trả lời xong."),
        Reject.INVALID_ARGUMENT: _("Thông tin gửi lên không hợp lệ."),
        Reject.LATE_JOIN_CLOSED: _("Trò chơi đã đóng, không nhận thêm người chơi."),
        Reject.UNKNOWN_PLAYER: _("Không tìm thấy người chơi này. Hãy vào lại bằng mã PIN."),
        Reject.KICKED: _("Bạn đã được mời rời trò chơi."),
        Reject.TOO_LATE: _("Đã hết giờ cho câu hỏi này."),
        Reject.NOT_OPEN: _("Câu hỏi chưa mở để trả lời."),
        Reject.WRONG_QUESTION: _("Câu hỏi này đã qua."),
        Reject.INVALID_CHOICE: _("Lựa chọn không hợp lệ."),
        "no_game": _("Không tìm thấy trò chơi. Hãy kiểm tra mã PIN."),
        "finished": _("Trò chơi đã kết thúc."),
        "nickname_taken": _("Biệt danh này đã có người dùng. Hãy chọn tên khác."),
        "nickname_invalid": _("Biệt danh cần từ 1 đến 32 ký tự."),
        "nickname_blocked": _("Biệt danh này không phù hợp. Hãy chọn tên khác."),
        "team_invalid": _("Tên đội cần từ 1 đến 64 ký tự."),
        "busy": _("Máy chủ đang bận, hãy thử lại sau giây lát."),
        "rate_limited": _("Bạn thao tác quá nhanh, hãy chờ một chút."),
    }
    return str(messages.get(code, _("Có lỗi xảy ra, hãy thử lại.")))


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run async live-game code from sync code (a page, a command), with a Redis client
    of its own for the call (see connection.call_store)."""

    async def call() -> T:
        async with connection.call_store():
            return await make()

    return async_to_sync(call)()


# --- building and opening ----------------------------------------------------


def question_versions_for_live(versions: Iterable[QuestionVersion]) -> list[QuestionVersion]:
    """The published versions a live game can play (no ordering questions: no time to drag)."""
    return [
        v
        for v in versions
        if v.status == QuestionVersion.Status.PUBLISHED and v.type in SUPPORTED_TYPES
    ]


@transaction.atomic
def create_game(
    *,
    host: Any,
    title: str,
    versions: list[QuestionVersion],
    scoring_mode: str = ScoringMode.SPEED.value,
    time_limit_seconds: int = 20,
    read_seconds: int = 5,
    team_mode: str = "",
    venue: str = "",
    live_contest: Any = None,
) -> LiveGame:
    playable = question_versions_for_live(versions)
    if not playable:
        raise LiveError(
            "no_questions", _("Cần ít nhất một câu hỏi đã xuất bản (một hoặc nhiều đáp án).")
        )
    game = LiveGame.objects.create(
        host=host,
        title=title,
        scoring_mode=scoring_mode,
        time_limit_seconds=time_limit_seconds,
        read_seconds=read_seconds,
        team_mode=team_mode,
        venue=venue,
        live_contest=live_contest,
        pin=_free_pin(),
    )
    LiveGameQuestion.objects.bulk_create(
        LiveGameQuestion(game=game, position=i, version=v) for i, v in enumerate(playable)
    )
    return game


def _free_pin() -> str:
    from contest.live.models import new_pin

    open_pins = set(
        LiveGame.objects.exclude(status=LiveGame.Status.FINISHED).values_list("pin", flat=True)
    )
    for _attempt in range(50):
        pin = new_pin()
        if pin not in open_pins:
            return pin
    raise LiveError("busy", _("Không tạo được mã PIN, hãy thử lại."))


def game_state_and_content(game: LiveGame) -> tuple[GameState, list[Json], list[Json]]:
    """The engine's starting state, what players see of each question, and the
    explanations shown at the reveal (kept apart so they never leave early)."""
    questions: list[QuestionSpec] = []
    content: list[Json] = []
    explanations: list[Json] = []
    rows = game.questions.select_related("version").prefetch_related("version__options")
    for row in rows:
        version = row.version
        options = sorted(version.options.all(), key=lambda o: o.position)
        questions.append(
            QuestionSpec(
                question_id=str(version.pk),
                option_ids=tuple(str(o.pk) for o in options),
                correct_option_ids=frozenset(str(o.pk) for o in options if o.is_correct),
                time_limit_seconds=float(game.time_limit_seconds),
                multiple=version.type == QuestionVersion.Type.MULTIPLE,
            )
        )
        content.append(
            {
                "stem": version.stem,
                "options": [{"id": str(o.pk), "text": o.text} for o in options],
                "image_url": version.image.url if version.image else "",
                "image_alt": version.image_alt,
                "multiple": version.type == QuestionVersion.Type.MULTIPLE,
            }
        )
        explanations.append({"explanation": version.explanation})
    config = GameConfig(mode=ScoringMode(game.scoring_mode), read_seconds=float(game.read_seconds))
    return (
        new_game(game_id=game.game_key, questions=tuple(questions), config=config),
        content,
        explanations,
    )


async def open_game(game: LiveGame) -> None:
    """Put a prepared game into Redis (lobby) and mark it open."""
    state, content, explanations = await sync_to_async(game_state_and_content)(game)
    venue = await sync_to_async(_venue_label)(game)
    await game_store().create(
        state,
        content,
        explanations,
        pk=game.pk,
        contest_id=game.live_contest_id,
        venue=venue,
    )
    await LiveGame.objects.filter(pk=game.pk).aupdate(status=LiveGame.Status.OPEN)


def _venue_label(game: LiveGame) -> str:
    if game.venue:
        return game.venue
    return str(game.venue_commune) if game.venue_commune_id else game.title


# --- tokens --------------------------------------------------------------------


def player_token(game_id: str, player_id: str) -> str:
    return signing.dumps({"g": game_id, "p": player_id}, salt=TOKEN_SALT, compress=True)


def player_from_token(game_id: str, token: str) -> str | None:
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("g") != game_id:
        return None
    player_id = data.get("p")
    return player_id if isinstance(player_id, str) else None


# --- players -------------------------------------------------------------------


async def meta(game_id: str, store: GameStore | None = None) -> Json:
    cached = _meta_cache.get(game_id)
    if cached is None:
        cached = await (store or game_store()).meta(game_id)
        _meta_cache[game_id] = cached
    return cached


def question_specs(game_id: str, info: Json) -> tuple[QuestionSpec, ...]:
    specs = _specs_cache.get(game_id)
    if specs is None:
        specs = tuple(_question_from_dict(q) for q in info["questions"])
        _specs_cache[game_id] = specs
    return specs


def _clean_nickname(nickname: str) -> str:
    cleaned = " ".join(str(nickname).split())
    if not 0 < len(cleaned) <= MAX_NICKNAME_LENGTH:
        raise LiveError("nickname_invalid", reject_message("nickname_invalid"))
    if is_blocked(cleaned):
        raise LiveError("nickname_blocked", reject_message("nickname_blocked"))
    return cleaned


async def join(
    game_id: str,
    nickname: str,
    *,
    team: str | None = None,
    commune_id: str | None = None,  # a commune's key is its official code
    school_id: int | None = None,
) -> JoinOutcome:
    """A new player (raises LiveError with a Vietnamese message when refused)."""
    cleaned = _clean_nickname(nickname)
    if team is not None:
        team = " ".join(team.split())
        if not 0 < len(team) <= MAX_TEAM_LENGTH:
            raise LiveError("team_invalid", reject_message("team_invalid"))
    player_id = secrets.token_urlsafe(12)
    store = game_store()
    info = await meta(game_id, store)
    outcome = await store.join(game_id, player_id, cleaned, team)
    if not outcome.ok:
        raise LiveError(outcome.status, reject_message(outcome.status))
    await LivePlayer.objects.acreate(
        game_id=info["pk"],
        player_id=player_id,
        nickname=cleaned,
        team=team or "",
        commune_id=commune_id,
        school_id=school_id,
    )
    return outcome


async def answer(
    game_id: str,
    player_id: str,
    *,
    question_index: int,
    choice: Iterable[Any],
    client_receive_delay_ms: int = 0,
    now: float | None = None,
) -> AnswerOutcome:
    """Accept one answer; idempotent per (game, question, player)."""
    store = game_store()
    info = await meta(game_id, store)
    questions = info["questions"]
    picked = tuple(str(c) for c in choice)
    if not 0 <= question_index < len(questions):
        return AnswerOutcome(Reject.WRONG_QUESTION, (), None, None, 0, 0, 0)
    if not valid_choice(question_specs(game_id, info)[question_index], picked):
        return AnswerOutcome(Reject.INVALID_CHOICE, (), None, None, 0, 0, 0)
    delay = min(max(int(client_receive_delay_ms), 0), 60_000)
    outcome = await store.answer(
        game_id,
        player_id=player_id,
        question_index=question_index,
        choice=picked,
        client_receive_delay_ms=delay,
        now=time.time() if now is None else now,
        max_grace_seconds=float(info["config"]["max_grace_seconds"]),
    )
    if (
        outcome.status == "accepted"
        and info["config"]["close_when_all_answered"]
        and outcome.active > 0
        and outcome.answered >= outcome.active
    ):
        # Everyone has answered: close now, not at the deadline; in the background, so
        # this last answer's acknowledgement does not wait for the close. Not from sync
        # code (services.run): its event loop may end before a background task does.
        if connection.in_sync_call():
            await clock(game_id)
        else:
            task = asyncio.ensure_future(clock(game_id))
            _background.add(task)
            task.add_done_callback(_background.discard)
    return outcome


# --- host commands and the clock ----------------------------------------------


@dataclass(slots=True)
class CommandOutcome:
    error: str | None
    version: int


async def command(game_id: str, cmd: Command, *, now: float | None = None) -> CommandOutcome:
    """Apply a host command under the game's lock, then deliver and record its events.

    Decoding, deciding and diffing are O(players) CPU work: they run in a thread so
    that the event loop keeps acknowledging answers meanwhile.
    """
    store = game_store()
    when = time.time() if now is None else now
    async with store.locked(game_id):
        raw = await store.fetch(game_id, light=isinstance(cmd, LIGHT_COMMANDS))
        if raw.light and (
            _clock_due(raw.ctl, when) or not _board_cached(raw, cmd) or _finishes(raw, cmd)
        ):
            raw = await store.fetch(game_id)  # the close, ranking or final record needs players
        loaded, result, work = await asyncio.to_thread(_decide, raw, lambda s: apply(s, cmd, when))
        if work is not None:
            await _commit(store, loaded, work)
    await _after(loaded, result.events, work)
    return CommandOutcome(str(result.error) if result.error else None, loaded.state.version)


# Commands that change only the control fields (phase, index, times): they run on a
# state without its players, so "next" costs O(1) however big the room. ShowLeaderboard
# uses the leaderboard cached at the reveal. A command that would also close a question
# whose time is up (the engine's implicit tick) takes the full path instead.
LIGHT_COMMANDS = (Start, Next, Pause, Resume, ExtendTime, CloseLateJoin, ShowLeaderboard)


def _clock_due(ctl: dict[str, str], now: float) -> bool:
    return (
        ctl.get("phase") == "question"
        and bool(ctl.get("deadline"))
        and now >= float(ctl["deadline"])
    )


def _finishes(raw: RawState, cmd: Command) -> bool:
    """Whether "next" after the last question ends the game (its record needs everyone)."""
    last = int(raw.ctl["question_index"]) + 1 >= len(raw.meta["questions"])
    return isinstance(cmd, Next) and last


def _board_cached(raw: RawState, cmd: Command) -> bool:
    if not isinstance(cmd, ShowLeaderboard):
        return True
    board = raw.leaderboard
    return board is not None and board.get("question_index") == int(raw.ctl["question_index"])


async def clock(game_id: str, *, now: float | None = None) -> bool:
    """Close the current question if its time is up or everyone answered; any process may.

    Returns False when another process holds the lock (it will do the same work).
    """
    store = game_store()
    try:
        async with store.locked(game_id, wait_seconds=0.5):
            raw = await store.fetch(game_id)
            when = time.time() if now is None else now
            loaded, result, work = await asyncio.to_thread(_decide, raw, lambda s: tick(s, when))
            if work is not None:
                await _commit(store, loaded, work)
    except LockBusy:
        return False
    await _after(loaded, result.events, work)
    return True


@dataclass(slots=True)
class _Work:
    """What a decided command writes: the state's changes and the derived read models."""

    changes: Changes
    kinds: set[str]
    ranks: dict[str, str]
    scored: list[Player]
    leaderboard: Json | None
    reveal: Json | None
    frames: list[fanout.Frame]


def _decide(
    raw: RawState, step: Callable[[GameState], Result]
) -> tuple[Loaded, Result, _Work | None]:
    loaded = build(raw)
    result = step(loaded.state)
    if not (result.ok or result.events) or (not result.events and result.error):
        return loaded, result, None
    state = loaded.state
    kinds = {e.kind for e in result.events}
    ranks: dict[str, str] = {}
    scored: list[Player] = []
    if "question_scored" in kinds:
        points = {pid: (r.points, r.correct) for pid, r in state.answers.items()}
        ranks = rank_mapping(state, points)
        scored = [state.players[pid] for pid in points]
    leaderboard = None
    if kinds & {"question_scored", "leaderboard_shown", "game_finished", "player_kicked"}:
        leaderboard = leaderboard_payload(state)
    reveal = next((e.payload for e in result.events if e.kind == "question_revealed"), None)
    changes = diff(loaded)
    frames, last_all = _frames(loaded.meta, result.events, int(raw.ctl.get("all_version") or 0))
    changes.ctl["all_version"] = str(last_all)
    return loaded, result, _Work(changes, kinds, ranks, scored, leaderboard, reveal, frames)


async def _commit(store: GameStore, loaded: Loaded, work: _Work) -> None:
    """Write the new state and the derived read models before anyone hears of it."""
    game_id = loaded.state.game_id
    await store.write(loaded, work.changes)
    if work.ranks:
        await store.write_ranks(game_id, work.ranks)
        if loaded.meta.get("contest"):
            await store.write_combined(
                loaded.meta["contest"], game_id, loaded.meta["venue"], work.scored
            )
    if work.leaderboard is not None:
        await store.write_leaderboard(game_id, work.leaderboard)
    if work.reveal is not None:
        await store.write_reveal(game_id, work.reveal)


async def _after(loaded: Loaded, events: list[Event], work: _Work | None) -> None:
    """Deliver the events (outside the lock), then record what must last."""
    if not events or work is None:
        return
    await fanout.publish(loaded.state.game_id, work.frames)
    if connection.in_sync_call():
        await _record(loaded, events)
        return
    # The PostgreSQL record follows in the background: the host's next command must not
    # queue behind thousands of upserts (Redis already holds every accepted answer, and
    # the writes are idempotent upserts, so a lost or repeated write is harmless).
    task = asyncio.ensure_future(_record_logged(loaded, events))
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _record_logged(loaded: Loaded, events: list[Event]) -> bool:
    try:
        await _record(loaded, events)
    except Exception:
        logger.exception("live game %s: recording to PostgreSQL failed", loaded.state.game_id)
        return False
    return True


def _frames(info: Json, events: list[Event], last_all: int) -> tuple[list[fanout.Frame], int]:
    """The events as client frames, serialised once. A frame for everyone carries "pv",
    the version of the previous frame for everyone: a player has missed one exactly when
    pv is newer than the version on their screen (host-only events also advance the
    version, so a jump in "v" alone proves nothing)."""
    frames = []
    for event in events:
        frames.append(_frame(info, event, last_all))
        if event.audience == "all":
            last_all = event.version
    return frames, last_all


def _frame(info: Json, event: Event, previous_all: int) -> fanout.Frame:
    payload = event.payload
    if event.kind == "question_started":
        payload = {**payload, "content": info["content"][payload["question_index"]]}
    elif event.kind == "question_revealed":
        payload = {**payload, **info["explanations"][payload["question_index"]]}
    body: Json = {"t": "ev", "k": event.kind, "v": event.version, "p": payload}
    if event.audience == "all":
        body["pv"] = previous_all
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    deadline = event.payload.get("deadline")
    return fanout.Frame(str(event.audience), event.kind, text, event.player_id, deadline)


async def _record(loaded: Loaded, events: list[Event]) -> None:
    kinds = {e.kind for e in events}
    if kinds & {"question_closed", "question_scored"}:
        await sync_to_async(_save_answers)(loaded, voided=False)
    if "question_voided" in kinds:
        await sync_to_async(_save_answers)(loaded, voided=True)
    if kinds & {"game_started", "game_finished"}:
        await sync_to_async(_save_game_progress)(loaded, finished="game_finished" in kinds)
    if "player_kicked" in kinds:
        kicked = [e.payload["player_id"] for e in events if e.kind == "player_kicked"]
        await LivePlayer.objects.filter(game_id=loaded.meta["pk"], player_id__in=kicked).aupdate(
            kicked=True
        )


def _save_answers(loaded: Loaded, *, voided: bool) -> None:
    """Upsert this question's answers: the scored records, or the raw ones if voided."""
    state = loaded.state
    rows: list[record.AnswerRow] = []
    if voided:
        grace = state.config.max_grace_seconds
        for pid, raw in loaded.raw_answers.items():
            response = fair_response_seconds(
                opened_at=0.0,
                answered_at=float(raw["e"]),
                client_receive_delay_ms=int(raw["d"]),
                max_grace_seconds=grace,
            )
            rows.append(
                record.AnswerRow(
                    state.question_index,
                    pid,
                    [str(c) for c in raw["c"]],
                    float(raw["at"]),
                    round(response * 1000),
                    None,
                    None,
                    True,
                )
            )
    else:
        for answer_record in state.answers.values():
            rows.append(
                record.AnswerRow(
                    answer_record.question_index,
                    answer_record.player_id,
                    list(answer_record.choice),
                    answer_record.received_at,
                    answer_record.response_ms,
                    answer_record.correct,
                    answer_record.points,
                    False,
                )
            )
    record.answers_upsert(loaded.meta["pk"], rows)


def _save_game_progress(loaded: Loaded, *, finished: bool) -> None:
    state = loaded.state
    game_id = loaded.meta["pk"]
    if not finished:
        LiveGame.objects.filter(pk=game_id, started_at=None).update(started_at=timezone.now())
        return
    from contest.live.engine import rank_of

    with transaction.atomic():
        players = {p.player_id: p for p in LivePlayer.objects.filter(game_id=game_id)}
        for pid, player in state.players.items():
            row = players.get(pid)
            if row is None:  # joined, but its row was lost with a crashed process
                row = LivePlayer(game_id=game_id, player_id=pid, nickname=player.nickname)
                players[pid] = row
            row.team = player.team or ""
            row.kicked = player.kicked
            row.score = player.score
            row.correct_count = player.correct_count
            row.total_time_ms = player.total_time_ms
            row.rank = None if player.kicked else rank_of(state, pid)
        LivePlayer.objects.bulk_create(
            players.values(),
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["game", "player_id"],
            update_fields=["team", "kicked", "score", "correct_count", "total_time_ms", "rank"],
        )
        LiveGame.objects.filter(pk=game_id).update(
            status=LiveGame.Status.FINISHED, finished_at=timezone.now()
        )


# --- snapshots -----------------------------------------------------------------


async def player_snapshot(game_id: str, player_id: str | None, *, now: float | None = None) -> Json:
    """What a (re)connecting player needs to draw the screen: O(1) Redis calls."""
    store = game_store()
    info = await meta(game_id, store)
    ctl = await store.ctl(game_id)
    snapshot = _public_snapshot(info, ctl, now=time.time() if now is None else now)
    snapshot.update(await store.shared_views(game_id, snapshot["phase_effective"]))
    if player_id is None:
        snapshot["me"] = None
        return snapshot
    player = await store.player(game_id, player_id)
    if player is None:
        snapshot["me"] = None
        return snapshot
    index = snapshot["question_index"]
    ranks = await store.ranks(game_id, [player_id])
    rank, score, points, correct = ranks.get(player_id, (None, player["score"], 0, False))
    own = await store.own_answer(game_id, index, player_id) if index >= 0 else None
    me: Json = {
        "player_id": player_id,
        "nickname": player["nickname"],
        "team": player["team"],
        "kicked": await store.kicked(game_id, player_id),
        "score": score,
        "rank": rank,
        "answered": own is not None,
        "choice": own["c"] if own else None,
        "result": None,
    }
    if snapshot["phase_effective"] in (Phase.REVEAL, Phase.LEADERBOARD) and index >= 0:
        me["result"] = {"points": points, "is_correct": correct, "answered": own is not None}
    snapshot["me"] = me
    return snapshot


def _public_snapshot(info: Json, ctl: dict[str, str], *, now: float) -> Json:
    phase = Phase(ctl["phase"])
    effective = Phase(ctl["paused_from"]) if phase is Phase.PAUSED and ctl["paused_from"] else phase
    index = int(ctl["question_index"])
    snapshot: Json = {
        "game_id": info["game_id"],
        "phase": str(phase),
        "phase_effective": str(effective),
        "version": int(ctl["version"]),
        "question_index": index,
        "question_count": len(info["questions"]),
        "mode": info["config"]["mode"],
        "late_join_open": ctl["late_join_open"] == "1",
        "server_now": now,
    }
    if effective in RUNNING and 0 <= index < len(info["questions"]):
        question = public_question(question_specs(info["game_id"], info)[index])
        question["content"] = info["content"][index]
        if effective in REVEALED:
            question["correct_option_ids"] = info["questions"][index]["correct_option_ids"]
            question.update(info["explanations"][index])
        snapshot.update(
            question=question,
            shown_at=float(ctl["shown_at"]),
            opens_at=float(ctl["opens_at"]),
            deadline=float(ctl["deadline"]),
        )
    return snapshot


async def host_snapshot(game_id: str, *, now: float | None = None) -> Json:
    """The host's screen after a (re)connect: the engine's host view plus content."""
    store = game_store()
    loaded = await store.load(game_id)
    when = time.time() if now is None else now
    view = host_view(loaded.state, now=when)
    index = loaded.state.question_index
    if "question" in view:
        view["question"]["content"] = loaded.meta["content"][index]
        if loaded.state.effective_phase in REVEALED:
            view["question"].update(loaded.meta["explanations"][index])
    active, recent = await store.lobby(game_id)
    view["lobby"] = {
        "players": active,
        "recent": [r["nickname"] for r in recent],
        "recent_players": recent,
    }
    return view
