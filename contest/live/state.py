"""The data of a live game: its phases, questions, players, answers and events.

Kept apart from the transitions so that every other module (snapshots,
serialisation, standings) can depend on the shapes without pulling in the state
machine, and so that the import graph of the package stays acyclic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contest.live.scoring import DEFAULT_MAX_GRACE_SECONDS, ScoringMode

Json = dict[str, Any]


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


# A question is on screen in these phases; from REVEALED on its answer may be shown too.
RUNNING = frozenset({Phase.QUESTION, Phase.CLOSED, Phase.REVEAL, Phase.LEADERBOARD})
REVEALED = frozenset({Phase.REVEAL, Phase.LEADERBOARD})


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


def new_game(
    *, game_id: str, questions: tuple[QuestionSpec, ...], config: GameConfig | None = None
) -> GameState:
    if not questions:
        raise ValueError("a game needs at least one question")
    config = config or GameConfig()
    return GameState(
        game_id=game_id, config=config, questions=questions, late_join_open=config.late_join_open
    )
