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

Modules, in layers; each imports only from the layers before it, so there are
no import cycles::

    state, commands              the dataclasses; what may be asked
    serialization, standings     the dicts; ranks and the cached leaderboard
    snapshots, lifecycle         what clients see; the shared question steps
    answers                      the hot answer path
    transitions                  apply, tick and the host commands
    engine                       this facade

Import from here; the split is an implementation detail.
"""

from __future__ import annotations

from contest.live.commands import (
    MAX_EXTENSION_SECONDS,
    MAX_NICKNAME_LENGTH,
    MAX_TEAM_LENGTH,
    Answer,
    CloseLateJoin,
    CloseQuestion,
    Command,
    ExtendTime,
    Finish,
    Join,
    Kick,
    Next,
    Pause,
    Resume,
    Reveal,
    ShowLeaderboard,
    Skip,
    Start,
)
from contest.live.serialization import (
    SCHEMA_VERSION,
    answer_record_from_dict,
    answer_record_to_dict,
    from_dict,
    player_from_dict,
    player_to_dict,
    to_dict,
)
from contest.live.snapshots import host_view, player_view, public_question_view
from contest.live.standings import (
    Standing,
    TeamStanding,
    effective_streak,
    rank_of,
    team_standings,
    top,
)
from contest.live.state import (
    Ack,
    AnswerRecord,
    Audience,
    Event,
    GameConfig,
    GameState,
    Json,
    Phase,
    Player,
    QuestionSpec,
    Reject,
    Result,
    new_game,
)
from contest.live.transitions import apply, tick

__all__ = [
    "MAX_EXTENSION_SECONDS",
    "MAX_NICKNAME_LENGTH",
    "MAX_TEAM_LENGTH",
    "SCHEMA_VERSION",
    "Ack",
    "Answer",
    "AnswerRecord",
    "Audience",
    "CloseLateJoin",
    "CloseQuestion",
    "Command",
    "Event",
    "ExtendTime",
    "Finish",
    "GameConfig",
    "GameState",
    "Join",
    "Json",
    "Kick",
    "Next",
    "Pause",
    "Phase",
    "Player",
    "QuestionSpec",
    "Reject",
    "Result",
    "Resume",
    "Reveal",
    "ShowLeaderboard",
    "Skip",
    "Standing",
    "Start",
    "TeamStanding",
    "answer_record_from_dict",
    "answer_record_to_dict",
    "apply",
    "effective_streak",
    "from_dict",
    "host_view",
    "new_game",
    "player_from_dict",
    "player_to_dict",
    "player_view",
    "public_question_view",
    "rank_of",
    "team_standings",
    "tick",
    "to_dict",
    "top",
]
