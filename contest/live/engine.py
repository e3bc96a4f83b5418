"""Server-authoritative state machine of a live game.

Pure: imports nothing from Django, reads no clock; every function that depends
on time takes ``now`` (float seconds, the server clock) as an argument.

Phases::

    lobby ─start─▶ question ─(deadline | all answered)─▶ closed ─reveal─▶ reveal
                     ▲                                              │
                     └──────────── next ◀── leaderboard ◀─show──────┘
    question/closed ─skip─▶ next question;  next/skip after the last ─▶ finished
    question/closed/reveal/leaderboard ─pause─▶ paused ─resume─▶ (same phase)
    any phase but finished ─finish─▶ finished

``question`` covers the read time (``shown_at`` ≤ now < ``opens_at``) and the
answer window (``opens_at`` ≤ now < ``deadline``). Deadlines are absolute
timestamps in the state, so any worker can close a question: :func:`apply`
first runs :func:`tick`, which closes the question once ``now ≥ deadline`` (or
once every active player has answered, if configured).

Ownership: :func:`apply` and :func:`tick` mutate ``state`` in place and return it
in the result, so that an answer costs O(1) rather than a copy of the player
table. A rejected command leaves the state as the implicit tick left it (checks
come before any change). Callers that need the old value keep
``from_dict(to_dict(state))``.

Secrecy: points and correctness of the current question are applied to the
players' totals only at ``reveal``; until then no view, and no event addressed to
players or the host, depends on which options are correct. Events with audience
``server`` (the durable answer record, the score deltas) are for the service
only.

Events (``kind`` → audience; every event carries the state ``version``):
``game_started``, ``question_started``, ``question_closed``, ``question_voided``,
``question_revealed``, ``leaderboard_shown``, ``game_paused``, ``game_resumed``,
``time_extended``, ``game_finished`` → all; ``player_joined``, ``late_join_closed``,
``answer_count`` (one per answer: throttle it), ``player_kicked`` → host (and
the kicked player); ``answer_accepted``, ``question_scored`` → server.

Views and event payloads may share cached dicts (the leaderboard): treat them as
read-only and serialise them once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contest.live.scoring import (
    DEFAULT_MAX_GRACE_SECONDS,
    ScoringMode,
    fair_response_seconds,
    rank_key,
    score_answer,
)

Json = dict[str, Any]

MAX_EXTENSION_SECONDS = 300.0
MAX_NICKNAME_LENGTH = 32
MAX_TEAM_LENGTH = 64


class Phase(StrEnum):
    LOBBY = "lobby"
    QUESTION = "question"
    CLOSED = "closed"
    REVEAL = "reveal"
    LEADERBOARD = "leaderboard"
    PAUSED = "paused"
    FINISHED = "finished"


class Reject(StrEnum):
    ILLEGAL_PHASE = "illegal_phase"
    NOT_YET = "not_yet"
    INVALID_ARGUMENT = "invalid_argument"
    LATE_JOIN_CLOSED = "late_join_closed"
    UNKNOWN_PLAYER = "unknown_player"
    KICKED = "kicked"
    TOO_LATE = "too_late"
    NOT_OPEN = "not_open"
    WRONG_QUESTION = "wrong_question"
    INVALID_CHOICE = "invalid_choice"


class Audience(StrEnum):
    ALL = "all"
    HOST = "host"
    PLAYER = "player"
    SERVER = "server"


_RUNNING = frozenset({Phase.QUESTION, Phase.CLOSED, Phase.REVEAL, Phase.LEADERBOARD})
_REVEALED = frozenset({Phase.REVEAL, Phase.LEADERBOARD})


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    question_id: str
    option_ids: tuple[str, ...]
    correct_option_ids: frozenset[str]
    time_limit_seconds: float = 20.0
    multiple: bool = False
    read_seconds: float | None = None

    def __post_init__(self) -> None:
        if not self.option_ids or len(set(self.option_ids)) != len(self.option_ids):
            raise ValueError(f"{self.question_id}: option ids must be non-empty and unique")
        if not self.correct_option_ids or not self.correct_option_ids <= set(self.option_ids):
            raise ValueError(f"{self.question_id}: correct options must be among the options")
        if not self.multiple and len(self.correct_option_ids) != 1:
            raise ValueError(f"{self.question_id}: single-choice needs exactly one correct option")
        if not self.time_limit_seconds > 0:
            raise ValueError(f"{self.question_id}: time limit must be positive")


@dataclass(frozen=True, slots=True)
class GameConfig:
    mode: ScoringMode = ScoringMode.SPEED
    read_seconds: float = 5.0
    max_grace_seconds: float = DEFAULT_MAX_GRACE_SECONDS
    leaderboard_size: int = 10
    close_when_all_answered: bool = True
    late_join_open: bool = True


@dataclass(frozen=True, slots=True)
class Ack:
    """What a player is told about an accepted answer: nothing that hints at correctness."""

    question_index: int
    choice: tuple[str, ...]
    received_at: float
    response_ms: int


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    player_id: str
    question_index: int
    choice: tuple[str, ...]
    received_at: float
    response_ms: int
    correct: bool
    base: int
    bonus: int
    streak: int

    @property
    def points(self) -> int:
        return self.base + self.bonus


@dataclass(slots=True)
class Player:
    player_id: str
    nickname: str
    team: str | None
    join_order: int
    score: int = 0
    correct_count: int = 0
    answered_count: int = 0
    total_time_ms: int = 0
    streak: int = 0
    # Index of the question that last extended the streak; the streak counts only
    # while this equals the game's last scored question (so no O(N) reset pass).
    streak_through: int = -1
    kicked: bool = False
    last_ack: Ack | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    player_id: str
    nickname: str
    team: str | None
    score: int
    correct_count: int
    total_time_ms: int


@dataclass(frozen=True, slots=True)
class TeamStanding:
    team: str
    members: int
    total: int
    mean: float


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    audience: Audience
    version: int
    payload: Json
    player_id: str | None = None

    def to_dict(self) -> Json:
        return {
            "kind": self.kind,
            "audience": str(self.audience),
            "version": self.version,
            "player_id": self.player_id,
            "payload": self.payload,
        }


@dataclass
class GameState:
    game_id: str
    config: GameConfig
    questions: tuple[QuestionSpec, ...]
    phase: Phase = Phase.LOBBY
    version: int = 0
    question_index: int = -1
    shown_at: float | None = None
    opens_at: float | None = None
    deadline: float | None = None
    paused_from: Phase | None = None
    paused_at: float | None = None
    late_join_open: bool = True
    next_join_order: int = 0
    last_scored_index: int = -1
    players: dict[str, Player] = field(default_factory=dict)
    answers: dict[str, AnswerRecord] = field(default_factory=dict)
    # Derived from the fields above, rebuilt by from_dict, never serialised.
    active_count: int = field(default=0, compare=False)
    option_counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    ranking: list[str] | None = field(default=None, compare=False, repr=False)
    rank_index: dict[str, int] | None = field(default=None, compare=False, repr=False)
    leaderboard: Json | None = field(default=None, compare=False, repr=False)

    @property
    def question(self) -> QuestionSpec | None:
        if 0 <= self.question_index < len(self.questions):
            return self.questions[self.question_index]
        return None

    @property
    def effective_phase(self) -> Phase:
        return self.paused_from if self.phase is Phase.PAUSED and self.paused_from else self.phase


# Commands ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    pass


@dataclass(frozen=True, slots=True)
class Next:
    pass


@dataclass(frozen=True, slots=True)
class CloseQuestion:
    pass


@dataclass(frozen=True, slots=True)
class Reveal:
    pass


@dataclass(frozen=True, slots=True)
class ShowLeaderboard:
    pass


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class Skip:
    pass


@dataclass(frozen=True, slots=True)
class ExtendTime:
    seconds: float


@dataclass(frozen=True, slots=True)
class Kick:
    player_id: str


@dataclass(frozen=True, slots=True)
class Join:
    player_id: str
    nickname: str
    team: str | None = None


@dataclass(frozen=True, slots=True)
class CloseLateJoin:
    pass


@dataclass(frozen=True, slots=True)
class Finish:
    pass


@dataclass(frozen=True, slots=True)
class Answer:
    player_id: str
    question_index: int
    choice: tuple[str, ...]
    client_receive_delay_ms: int = 0


Command = (
    Start
    | Next
    | CloseQuestion
    | Reveal
    | ShowLeaderboard
    | Pause
    | Resume
    | Skip
    | ExtendTime
    | Kick
    | Join
    | CloseLateJoin
    | Finish
    | Answer
)


@dataclass(slots=True)
class Result:
    state: GameState
    events: list[Event]
    error: Reject | None = None
    ack: Ack | None = None
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


# Construction and the clock ------------------------------------------------


def new_game(
    *, game_id: str, questions: tuple[QuestionSpec, ...], config: GameConfig | None = None
) -> GameState:
    if not questions:
        raise ValueError("a game needs at least one question")
    config = config or GameConfig()
    return GameState(
        game_id=game_id, config=config, questions=questions, late_join_open=config.late_join_open
    )


def tick(state: GameState, now: float) -> Result:
    """Close the current question if its deadline has passed; safe to call from any worker."""
    events: list[Event] = []
    _auto_close(state, now, events)
    return Result(state, events)


def apply(state: GameState, command: Command, now: float) -> Result:
    events: list[Event] = []
    _auto_close(state, now, events)
    if isinstance(command, Answer):
        result = _answer(state, command, now, events)
    else:
        result = Result(state, events, _HANDLERS[type(command)](state, command, now, events))
    if result.ok:
        _auto_close(state, now, events)
    return result


def _auto_close(state: GameState, now: float, events: list[Event]) -> None:
    if state.phase is not Phase.QUESTION:
        return
    assert state.deadline is not None
    if now >= state.deadline or (state.config.close_when_all_answered and _all_answered(state)):
        _bump(state)
        _close(state, events)


def _all_answered(state: GameState) -> bool:
    return state.active_count > 0 and len(state.answers) >= state.active_count


# Handlers: each checks, then mutates and returns None, or returns a Reject --


def _start(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is not Phase.LOBBY:
        return Reject.ILLEGAL_PHASE
    _bump(state)
    _emit(state, events, "game_started", Audience.ALL, {"question_count": len(state.questions)})
    _start_question(state, 0, now, events)
    return None


def _next(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase not in _REVEALED:
        return Reject.ILLEGAL_PHASE
    _bump(state)
    _advance(state, now, events)
    return None


def _close_question(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    if state.phase is Phase.CLOSED:
        return None  # another worker or the implicit tick closed it first
    if state.phase is not Phase.QUESTION:
        return Reject.ILLEGAL_PHASE
    if not _all_answered(state):
        return Reject.NOT_YET
    _bump(state)
    _close(state, events)
    return None


def _reveal(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is Phase.QUESTION:
        return Reject.NOT_YET
    if state.phase is not Phase.CLOSED:
        return Reject.ILLEGAL_PHASE
    question = state.question
    assert question is not None
    _bump(state)
    _score_current(state, events)
    state.phase = Phase.REVEAL
    payload = {
        "question_index": state.question_index,
        "question_id": question.question_id,
        "correct_option_ids": sorted(question.correct_option_ids),
        "option_counts": dict(state.option_counts),
        "answered": len(state.answers),
    }
    _emit(state, events, "question_revealed", Audience.ALL, payload)
    return None


def _show_leaderboard(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    if state.phase is not Phase.REVEAL:
        return Reject.ILLEGAL_PHASE
    _bump(state)
    state.phase = Phase.LEADERBOARD
    _emit(state, events, "leaderboard_shown", Audience.ALL, _leaderboard_payload(state))
    return None


def _pause(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase not in _RUNNING:
        return Reject.ILLEGAL_PHASE
    _bump(state)
    state.paused_from, state.paused_at, state.phase = state.phase, now, Phase.PAUSED
    _emit(state, events, "game_paused", Audience.ALL, {"paused_from": str(state.paused_from)})
    return None


def _resume(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is not Phase.PAUSED:
        return Reject.ILLEGAL_PHASE
    assert state.paused_from is not None and state.paused_at is not None
    _bump(state)
    shift = max(now - state.paused_at, 0.0)
    if state.paused_from is Phase.QUESTION:
        assert state.opens_at is not None and state.deadline is not None
        state.opens_at += shift
        state.deadline += shift
    state.phase, state.paused_from, state.paused_at = state.paused_from, None, None
    payload = {
        "phase": str(state.phase),
        "shift_seconds": shift,
        "opens_at": state.opens_at,
        "deadline": state.deadline,
    }
    _emit(state, events, "game_resumed", Audience.ALL, payload)
    return None


def _skip(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.effective_phase not in (Phase.QUESTION, Phase.CLOSED):
        return Reject.ILLEGAL_PHASE
    _bump(state)
    _void_current(state, events, reason="skipped")
    state.paused_from = state.paused_at = None
    _advance(state, now, events)
    return None


def _extend_time(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    assert isinstance(command, ExtendTime)
    seconds = command.seconds
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_EXTENSION_SECONDS):
        return Reject.INVALID_ARGUMENT
    if state.effective_phase is not Phase.QUESTION:
        return Reject.ILLEGAL_PHASE
    assert state.deadline is not None
    _bump(state)
    state.deadline += seconds
    payload = {"seconds": seconds, "deadline": state.deadline}
    _emit(state, events, "time_extended", Audience.ALL, payload)
    return None


def _kick(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    assert isinstance(command, Kick)
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    player = state.players.get(command.player_id)
    if player is None:
        return Reject.UNKNOWN_PLAYER
    if player.kicked:
        return None
    _bump(state)
    player.kicked = True
    state.active_count -= 1
    record = state.answers.get(player.player_id)
    if record is not None and state.last_scored_index != state.question_index:
        del state.answers[player.player_id]
        for option_id in record.choice:
            state.option_counts[option_id] -= 1
    _invalidate_ranking(state)
    payload = {"player_id": player.player_id, "players": state.active_count}
    _emit(state, events, "player_kicked", Audience.HOST, payload)
    _emit(state, events, "player_kicked", Audience.PLAYER, payload, player.player_id)
    return None


def _join(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    assert isinstance(command, Join)
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    existing = state.players.get(command.player_id)
    if existing is not None:
        return Reject.KICKED if existing.kicked else None  # a reconnect, not a new player
    nickname = command.nickname.strip()
    team = command.team.strip() if command.team is not None else None
    if not command.player_id or not 0 < len(nickname) <= MAX_NICKNAME_LENGTH:
        return Reject.INVALID_ARGUMENT
    if team is not None and not 0 < len(team) <= MAX_TEAM_LENGTH:
        return Reject.INVALID_ARGUMENT
    if state.phase is not Phase.LOBBY and not state.late_join_open:
        return Reject.LATE_JOIN_CLOSED
    _bump(state)
    player = Player(command.player_id, nickname, team, state.next_join_order)
    state.players[player.player_id] = player
    state.next_join_order += 1
    state.active_count += 1
    _invalidate_ranking(state)
    payload = {
        "player_id": player.player_id,
        "nickname": nickname,
        "team": team,
        "players": state.active_count,
    }
    _emit(state, events, "player_joined", Audience.HOST, payload)
    return None


def _close_late_join(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    if not state.late_join_open:
        return None
    _bump(state)
    state.late_join_open = False
    _emit(state, events, "late_join_closed", Audience.HOST, {})
    return None


def _finish(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    _bump(state)
    # A closed question ran its full course and counts; an open one is void.
    if state.effective_phase is Phase.CLOSED:
        _score_current(state, events)
    elif state.effective_phase is Phase.QUESTION:
        _void_current(state, events, reason="finished")
    _finish_now(state, events)
    return None


def _answer(state: GameState, command: Answer, now: float, events: list[Event]) -> Result:
    player = state.players.get(command.player_id)
    if player is None:
        return Result(state, events, Reject.UNKNOWN_PLAYER)
    if player.kicked:
        return Result(state, events, Reject.KICKED)
    if player.last_ack is not None and player.last_ack.question_index == command.question_index:
        return Result(state, events, ack=player.last_ack, duplicate=True)
    error = _answer_window_error(state, command, now)
    if error is not None:
        return Result(state, events, error)
    question = state.question
    assert question is not None and state.opens_at is not None and state.deadline is not None
    choice = command.choice
    if not _valid_choice(question, choice):
        return Result(state, events, Reject.INVALID_CHOICE)
    response = fair_response_seconds(
        opened_at=state.opens_at,
        answered_at=now,
        client_receive_delay_ms=command.client_receive_delay_ms,
        max_grace_seconds=state.config.max_grace_seconds,
    )
    scored = score_answer(
        mode=state.config.mode,
        correct=frozenset(choice) == question.correct_option_ids,
        response_seconds=response,
        limit_seconds=state.deadline - state.opens_at,
        previous_streak=effective_streak(state, player),
    )
    _bump(state)
    record = AnswerRecord(
        player.player_id,
        state.question_index,
        choice,
        now,
        round(response * 1000),
        scored.correct,
        scored.base,
        scored.bonus,
        scored.streak,
    )
    state.answers[player.player_id] = record
    for option_id in choice:
        state.option_counts[option_id] += 1
    ack = Ack(state.question_index, choice, now, record.response_ms)
    player.last_ack = ack
    _emit(state, events, "answer_accepted", Audience.SERVER, answer_record_to_dict(record))
    _emit(state, events, "answer_count", Audience.HOST, _answer_count(state))
    return Result(state, events, ack=ack)


def _answer_window_error(state: GameState, command: Answer, now: float) -> Reject | None:
    phase = state.effective_phase
    if phase is Phase.LOBBY:
        return Reject.NOT_OPEN
    if phase is Phase.FINISHED:
        return Reject.TOO_LATE
    if command.question_index != state.question_index:
        return Reject.WRONG_QUESTION
    if phase is not Phase.QUESTION:
        return Reject.TOO_LATE
    assert state.opens_at is not None
    if state.phase is Phase.PAUSED or now < state.opens_at:
        return Reject.NOT_OPEN
    return None


def _valid_choice(question: QuestionSpec, choice: tuple[str, ...]) -> bool:
    if not choice or len(set(choice)) != len(choice):
        return False
    if not question.multiple and len(choice) != 1:
        return False
    return all(option_id in question.option_ids for option_id in choice)


_HANDLERS = {
    Start: _start,
    Next: _next,
    CloseQuestion: _close_question,
    Reveal: _reveal,
    ShowLeaderboard: _show_leaderboard,
    Pause: _pause,
    Resume: _resume,
    Skip: _skip,
    ExtendTime: _extend_time,
    Kick: _kick,
    Join: _join,
    CloseLateJoin: _close_late_join,
    Finish: _finish,
}


# Mutation helpers ------------------------------------------------------------


def _bump(state: GameState) -> None:
    state.version += 1


def _emit(
    state: GameState,
    events: list[Event],
    kind: str,
    audience: Audience,
    payload: Json,
    player_id: str | None = None,
) -> None:
    events.append(Event(kind, audience, state.version, payload, player_id))


def _start_question(state: GameState, index: int, now: float, events: list[Event]) -> None:
    question = state.questions[index]
    read = question.read_seconds if question.read_seconds is not None else state.config.read_seconds
    state.phase = Phase.QUESTION
    state.question_index = index
    state.shown_at = now
    state.opens_at = now + read
    state.deadline = state.opens_at + question.time_limit_seconds
    state.answers = {}
    state.option_counts = dict.fromkeys(question.option_ids, 0)
    payload = {
        "question_index": index,
        "question": _public_question(question),
        "shown_at": state.shown_at,
        "opens_at": state.opens_at,
        "deadline": state.deadline,
    }
    _emit(state, events, "question_started", Audience.ALL, payload)


def _advance(state: GameState, now: float, events: list[Event]) -> None:
    if state.question_index + 1 < len(state.questions):
        _start_question(state, state.question_index + 1, now, events)
    else:
        _finish_now(state, events)


def _close(state: GameState, events: list[Event]) -> None:
    state.phase = Phase.CLOSED
    _emit(state, events, "question_closed", Audience.ALL, _answer_count(state))


def _score_current(state: GameState, events: list[Event]) -> None:
    results = []
    for record in state.answers.values():
        player = state.players[record.player_id]
        player.score += record.points
        player.answered_count += 1
        if record.correct:
            player.correct_count += 1
            player.total_time_ms += record.response_ms
            player.streak, player.streak_through = record.streak, record.question_index
        else:
            player.streak = 0
        results.append(
            {
                "player_id": record.player_id,
                "points": record.points,
                "correct": record.correct,
                "score": player.score,
            }
        )
    state.last_scored_index = state.question_index
    _invalidate_ranking(state)
    payload = {"question_index": state.question_index, "results": results}
    _emit(state, events, "question_scored", Audience.SERVER, payload)


def _void_current(state: GameState, events: list[Event], *, reason: str) -> None:
    state.answers = {}
    state.option_counts = dict.fromkeys(state.option_counts, 0)
    payload = {"question_index": state.question_index, "reason": reason}
    _emit(state, events, "question_voided", Audience.ALL, payload)


def _finish_now(state: GameState, events: list[Event]) -> None:
    state.phase = Phase.FINISHED
    state.paused_from = state.paused_at = None
    _emit(state, events, "game_finished", Audience.ALL, _leaderboard_payload(state))


def _invalidate_ranking(state: GameState) -> None:
    state.ranking = None
    state.rank_index = None
    state.leaderboard = None


def _answer_count(state: GameState) -> Json:
    return {
        "question_index": state.question_index,
        "answered": len(state.answers),
        "eligible": state.active_count,
    }


# Standings ---------------------------------------------------------------


def effective_streak(state: GameState, player: Player) -> int:
    """Consecutive correct answers up to the last scored question (0 if one was missed)."""
    return player.streak if player.streak_through == state.last_scored_index else 0


def _ranked_ids(state: GameState) -> list[str]:
    if state.ranking is None:
        mode = state.config.mode
        active = [p for p in state.players.values() if not p.kicked]
        active.sort(
            key=lambda p: rank_key(
                mode,
                score=p.score,
                correct_count=p.correct_count,
                total_time_ms=p.total_time_ms,
                join_order=p.join_order,
            )
        )
        state.ranking = [p.player_id for p in active]
        state.rank_index = {pid: i + 1 for i, pid in enumerate(state.ranking)}
    return state.ranking


def top(state: GameState, n: int) -> list[Standing]:
    """The first ``n`` players; sorts once (O(N log N)) after scores change, then O(n)."""
    standings = []
    for rank, player_id in enumerate(_ranked_ids(state)[: max(n, 0)], start=1):
        p = state.players[player_id]
        standings.append(
            Standing(
                rank, p.player_id, p.nickname, p.team, p.score, p.correct_count, p.total_time_ms
            )
        )
    return standings


def rank_of(state: GameState, player_id: str) -> int | None:
    """1-based rank among active players, or None for unknown or kicked players."""
    _ranked_ids(state)
    assert state.rank_index is not None
    return state.rank_index.get(player_id)


def team_standings(state: GameState, *, by_mean: bool = False) -> list[TeamStanding]:
    totals: dict[str, list[int]] = {}
    for p in state.players.values():
        if p.team is not None and not p.kicked:
            totals.setdefault(p.team, []).append(p.score)
    teams = [TeamStanding(t, len(s), sum(s), sum(s) / len(s)) for t, s in totals.items()]
    if by_mean:
        teams.sort(key=lambda t: (-t.mean, -t.total, t.team))
    else:
        teams.sort(key=lambda t: (-t.total, -t.mean, t.team))
    return teams


def _standing_to_dict(s: Standing) -> Json:
    return {
        "rank": s.rank,
        "player_id": s.player_id,
        "nickname": s.nickname,
        "team": s.team,
        "score": s.score,
        "correct_count": s.correct_count,
        "total_time_ms": s.total_time_ms,
    }


def _leaderboard_payload(state: GameState) -> Json:
    """Cached until scores or players change, so reconnect storms cost O(1) each."""
    if (
        state.leaderboard is not None
        and state.leaderboard["question_index"] == state.question_index
    ):
        return state.leaderboard
    teams = [
        {"team": t.team, "members": t.members, "total": t.total, "mean": t.mean}
        for t in team_standings(state)
    ]
    state.leaderboard = {
        "question_index": state.question_index,
        "top": [_standing_to_dict(s) for s in top(state, state.config.leaderboard_size)],
        "teams": teams,
    }
    return state.leaderboard


# Views: snapshots a client renders from scratch ---------------------------


def _public_question(question: QuestionSpec) -> Json:
    return {
        "question_id": question.question_id,
        "option_ids": list(question.option_ids),
        "multiple": question.multiple,
        "time_limit_seconds": question.time_limit_seconds,
    }


def public_question_view(state: GameState, *, now: float | None = None) -> Json:
    """What everybody may see; the correct options only from the reveal on."""
    phase = state.effective_phase
    view: Json = {
        "game_id": state.game_id,
        "phase": str(state.phase),
        "paused_from": str(state.paused_from) if state.paused_from else None,
        "paused_at": state.paused_at,
        "version": state.version,
        "question_index": state.question_index,
        "question_count": len(state.questions),
        "mode": str(state.config.mode),
        "late_join_open": state.late_join_open,
        "server_now": now,
    }
    question = state.question
    if phase in _RUNNING and question is not None:
        q = _public_question(question)
        if phase in _REVEALED:
            q["correct_option_ids"] = sorted(question.correct_option_ids)
            view["option_counts"] = dict(state.option_counts)
        view.update(
            question=q, shown_at=state.shown_at, opens_at=state.opens_at, deadline=state.deadline
        )
    if phase is Phase.LEADERBOARD or phase is Phase.FINISHED:
        view["leaderboard"] = _leaderboard_payload(state)
    return view


def player_view(state: GameState, player_id: str, *, now: float | None = None) -> Json:
    """Reconnect snapshot for one player: the public view plus own score, rank, streak, ack."""
    view = public_question_view(state, now=now)
    player = state.players.get(player_id)
    if player is None:
        view["me"] = None
        return view
    ack = player.last_ack
    me: Json = {
        "player_id": player.player_id,
        "nickname": player.nickname,
        "team": player.team,
        "kicked": player.kicked,
        "score": player.score,
        "rank": rank_of(state, player_id),
        "streak": effective_streak(state, player),
        "ack": _ack_to_dict(ack) if ack and ack.question_index == state.question_index else None,
        "result": None,
    }
    if state.effective_phase in _REVEALED:
        record = state.answers.get(player_id)
        me["result"] = {
            "answered": record is not None,
            "points": record.points if record else 0,
            "is_correct": record.correct if record else False,
            "bonus": record.bonus if record else 0,
        }
    view["me"] = me
    return view


def host_view(state: GameState, *, now: float | None = None) -> Json:
    """The host's screen is projected to the room, so it is as secret as the public view."""
    view = public_question_view(state, now=now)
    view.update(
        answered=len(state.answers),
        eligible=state.active_count,
        players=state.active_count,
        kicked=len(state.players) - state.active_count,
    )
    return view


# Serialisation -------------------------------------------------------------


def _ack_to_dict(ack: Ack) -> Json:
    return {
        "question_index": ack.question_index,
        "choice": list(ack.choice),
        "received_at": ack.received_at,
        "response_ms": ack.response_ms,
    }


def _ack_from_dict(d: Json) -> Ack:
    return Ack(
        int(d["question_index"]),
        tuple(str(c) for c in d["choice"]),
        float(d["received_at"]),
        int(d["response_ms"]),
    )


def answer_record_to_dict(r: AnswerRecord) -> Json:
    return {
        "player_id": r.player_id,
        "question_index": r.question_index,
        "choice": list(r.choice),
        "received_at": r.received_at,
        "response_ms": r.response_ms,
        "correct": r.correct,
        "base": r.base,
        "bonus": r.bonus,
        "streak": r.streak,
    }


def answer_record_from_dict(d: Json) -> AnswerRecord:
    return AnswerRecord(
        str(d["player_id"]),
        int(d["question_index"]),
        tuple(str(c) for c in d["choice"]),
        float(d["received_at"]),
        int(d["response_ms"]),
        bool(d["correct"]),
        int(d["base"]),
        int(d["bonus"]),
        int(d["streak"]),
    )


def player_to_dict(p: Player) -> Json:
    return {
        "player_id": p.player_id,
        "nickname": p.nickname,
        "team": p.team,
        "join_order": p.join_order,
        "score": p.score,
        "correct_count": p.correct_count,
        "answered_count": p.answered_count,
        "total_time_ms": p.total_time_ms,
        "streak": p.streak,
        "streak_through": p.streak_through,
        "kicked": p.kicked,
        "last_ack": _ack_to_dict(p.last_ack) if p.last_ack else None,
    }


def player_from_dict(d: Json) -> Player:
    team = d["team"]
    return Player(
        player_id=str(d["player_id"]),
        nickname=str(d["nickname"]),
        team=None if team is None else str(team),
        join_order=int(d["join_order"]),
        score=int(d["score"]),
        correct_count=int(d["correct_count"]),
        answered_count=int(d["answered_count"]),
        total_time_ms=int(d["total_time_ms"]),
        streak=int(d["streak"]),
        streak_through=int(d["streak_through"]),
        kicked=bool(d["kicked"]),
        last_ack=_ack_from_dict(d["last_ack"]) if d["last_ack"] else None,
    )


def _question_to_dict(q: QuestionSpec) -> Json:
    return {
        **_public_question(q),
        "correct_option_ids": sorted(q.correct_option_ids),
        "read_seconds": q.read_seconds,
    }


def _question_from_dict(d: Json) -> QuestionSpec:
    read = d["read_seconds"]
    return QuestionSpec(
        question_id=str(d["question_id"]),
        option_ids=tuple(str(o) for o in d["option_ids"]),
        correct_option_ids=frozenset(str(o) for o in d["correct_option_ids"]),
        time_limit_seconds=float(d["time_limit_seconds"]),
        multiple=bool(d["multiple"]),
        read_seconds=None if read is None else float(read),
    )


def _config_to_dict(c: GameConfig) -> Json:
    return {
        "mode": str(c.mode),
        "read_seconds": c.read_seconds,
        "max_grace_seconds": c.max_grace_seconds,
        "leaderboard_size": c.leaderboard_size,
        "close_when_all_answered": c.close_when_all_answered,
        "late_join_open": c.late_join_open,
    }


def _config_from_dict(d: Json) -> GameConfig:
    return GameConfig(
        mode=ScoringMode(d["mode"]),
        read_seconds=float(d["read_seconds"]),
        max_grace_seconds=float(d["max_grace_seconds"]),
        leaderboard_size=int(d["leaderboard_size"]),
        close_when_all_answered=bool(d["close_when_all_answered"]),
        late_join_open=bool(d["late_join_open"]),
    )


SCHEMA_VERSION = 1


def to_dict(state: GameState) -> Json:
    """A JSON-able dict; O(players + answers to the current question)."""
    return {
        "schema": SCHEMA_VERSION,
        "game_id": state.game_id,
        "config": _config_to_dict(state.config),
        "questions": [_question_to_dict(q) for q in state.questions],
        "phase": str(state.phase),
        "version": state.version,
        "question_index": state.question_index,
        "shown_at": state.shown_at,
        "opens_at": state.opens_at,
        "deadline": state.deadline,
        "paused_from": str(state.paused_from) if state.paused_from else None,
        "paused_at": state.paused_at,
        "late_join_open": state.late_join_open,
        "next_join_order": state.next_join_order,
        "last_scored_index": state.last_scored_index,
        "players": [player_to_dict(p) for p in state.players.values()],
        "answers": [answer_record_to_dict(r) for r in state.answers.values()],
    }


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def from_dict(data: Json) -> GameState:
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"unsupported live game schema {data.get('schema')!r}")
    players = [player_from_dict(p) for p in data["players"]]
    answers = [answer_record_from_dict(r) for r in data["answers"]]
    questions = tuple(_question_from_dict(q) for q in data["questions"])
    state = GameState(
        game_id=str(data["game_id"]),
        config=_config_from_dict(data["config"]),
        questions=questions,
        phase=Phase(data["phase"]),
        version=int(data["version"]),
        question_index=int(data["question_index"]),
        shown_at=_optional_float(data["shown_at"]),
        opens_at=_optional_float(data["opens_at"]),
        deadline=_optional_float(data["deadline"]),
        paused_from=Phase(data["paused_from"]) if data["paused_from"] else None,
        paused_at=_optional_float(data["paused_at"]),
        late_join_open=bool(data["late_join_open"]),
        next_join_order=int(data["next_join_order"]),
        last_scored_index=int(data["last_scored_index"]),
        players={p.player_id: p for p in players},
        answers={r.player_id: r for r in answers},
    )
    state.active_count = sum(1 for p in players if not p.kicked)
    question = state.question
    if question is not None:
        state.option_counts = dict.fromkeys(question.option_ids, 0)
        for record in answers:
            for option_id in record.choice:
                state.option_counts[option_id] += 1
    return state
