"""What the host, the players and the service may ask of a live game.

Commands are plain frozen values so that a consumer can build one from a
message, a service can log or queue it, and :func:`contest.live.transitions.apply`
can dispatch on its type; the limits below are checked there, not here, so an
invalid command becomes a ``Reject`` rather than an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_EXTENSION_SECONDS = 300.0
MAX_NICKNAME_LENGTH = 32
MAX_TEAM_LENGTH = 64


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
