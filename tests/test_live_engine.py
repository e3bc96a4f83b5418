from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.live.engine import (
    Ack,
    Answer,
    Audience,
    CloseLateJoin,
    CloseQuestion,
    Command,
    Event,
    ExtendTime,
    Finish,
    GameConfig,
    GameState,
    Join,
    Kick,
    Next,
    Pause,
    Phase,
    QuestionSpec,
    Reject,
    Result,
    Resume,
    Reveal,
    ShowLeaderboard,
    Skip,
    Start,
    apply,
    from_dict,
    host_view,
    new_game,
    player_view,
    public_question_view,
    rank_of,
    team_standings,
    tick,
    to_dict,
    top,
)
from contest.live.scoring import ScoringMode

T0 = 1000.0
READ = 5.0
LIMIT = 20.0
OPENS = T0 + READ
DEADLINE = OPENS + LIMIT

QUESTIONS = (
    QuestionSpec("q1", ("a", "b", "c", "d"), frozenset({"b"}), LIMIT),
    QuestionSpec("q2", ("a", "b", "c", "d"), frozenset({"c"}), LIMIT),
    QuestionSpec("q3", ("a", "b", "c"), frozenset({"a", "c"}), LIMIT, multiple=True),
)


def game(
    *,
    mode: ScoringMode = ScoringMode.SPEED,
    questions: tuple[QuestionSpec, ...] = QUESTIONS,
    players: tuple[str, ...] = ("alice", "bob"),
    **config: Any,
) -> GameState:
    state = new_game(
        game_id="g1",
        questions=questions,
        config=GameConfig(mode=mode, read_seconds=READ, **config),
    )
    for name in players:
        ok(apply(state, Join(name, name.title(), None), T0 - 60))
    return state


def ok(result: Result) -> Result:
    assert result.error is None, result.error
    return result


def run(state: GameState, now: float, *commands: Command) -> GameState:
    for command in commands:
        ok(apply(state, command, now))
    return state


def answer(player: str, index: int, *choice: str, delay_ms: int = 0) -> Answer:
    return Answer(player, index, choice, delay_ms)


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


def in_phase(phase: Phase) -> tuple[GameState, float]:
    """A two-player game on the first of three questions, in ``phase``, and a `now` there."""
    state = game()
    if phase is Phase.LOBBY:
        return state, T0
    if phase is Phase.FINISHED:
        return run(state, T0, Finish()), T0 + 1
    run(state, T0, Start())
    if phase is Phase.QUESTION:
        return state, OPENS + 5
    if phase is Phase.PAUSED:
        return run(state, OPENS + 5, Pause()), OPENS + 7
    ok(tick(state, DEADLINE))
    if phase is Phase.CLOSED:
        return state, DEADLINE + 1
    run(state, DEADLINE + 1, Reveal())
    if phase is Phase.REVEAL:
        return state, DEADLINE + 2
    run(state, DEADLINE + 2, ShowLeaderboard())
    assert phase is Phase.LEADERBOARD
    return state, DEADLINE + 3


COMMANDS: dict[str, Command] = {
    "start": Start(),
    "next": Next(),
    "close_question": CloseQuestion(),
    "reveal": Reveal(),
    "show_leaderboard": ShowLeaderboard(),
    "pause": Pause(),
    "resume": Resume(),
    "skip": Skip(),
    "extend_time": ExtendTime(10),
    "kick": Kick("bob"),
    "join": Join("dan", "Dan", "Lao Cai"),
    "close_late_join": CloseLateJoin(),
    "finish": Finish(),
    "answer": Answer("alice", 0, ("b",), 0),
}

L, Q, C, R, B, P, F = (
    Phase.LOBBY,
    Phase.QUESTION,
    Phase.CLOSED,
    Phase.REVEAL,
    Phase.LEADERBOARD,
    Phase.PAUSED,
    Phase.FINISHED,
)
X = Reject.ILLEGAL_PHASE

# phase -> command -> resulting phase, or the rejection code.
TRANSITIONS: dict[Phase, dict[str, Phase | Reject]] = {
    L: {
        "start": Q,
        "next": X,
        "close_question": X,
        "reveal": X,
        "show_leaderboard": X,
        "pause": X,
        "resume": X,
        "skip": X,
        "extend_time": X,
        "kick": L,
        "join": L,
        "close_late_join": L,
        "finish": F,
        "answer": Reject.NOT_OPEN,
    },
    Q: {
        "start": X,
        "next": X,
        "close_question": Reject.NOT_YET,
        "reveal": Reject.NOT_YET,
        "show_leaderboard": X,
        "pause": P,
        "resume": X,
        "skip": Q,
        "extend_time": Q,
        "kick": Q,
        "join": Q,
        "close_late_join": Q,
        "finish": F,
        "answer": Q,
    },
    C: {
        "start": X,
        "next": X,
        "close_question": C,
        "reveal": R,
        "show_leaderboard": X,
        "pause": P,
        "resume": X,
        "skip": Q,
        "extend_time": X,
        "kick": C,
        "join": C,
        "close_late_join": C,
        "finish": F,
        "answer": Reject.TOO_LATE,
    },
    R: {
        "start": X,
        "next": Q,
        "close_question": X,
        "reveal": X,
        "show_leaderboard": B,
        "pause": P,
        "resume": X,
        "skip": X,
        "extend_time": X,
        "kick": R,
        "join": R,
        "close_late_join": R,
        "finish": F,
        "answer": Reject.TOO_LATE,
    },
    B: {
        "start": X,
        "next": Q,
        "close_question": X,
        "reveal": X,
        "show_leaderboard": X,
        "pause": P,
        "resume": X,
        "skip": X,
        "extend_time": X,
        "kick": B,
        "join": B,
        "close_late_join": B,
        "finish": F,
        "answer": Reject.TOO_LATE,
    },
    P: {
        "start": X,
        "next": X,
        "close_question": X,
        "reveal": X,
        "show_leaderboard": X,
        "pause": X,
        "resume": Q,
        "skip": Q,
        "extend_time": P,
        "kick": P,
        "join": P,
        "close_late_join": P,
        "finish": F,
        "answer": Reject.NOT_OPEN,
    },
    F: {name: (Reject.TOO_LATE if name == "answer" else X) for name in COMMANDS},
}

TABLE = [
    pytest.param(phase, name, expected, id=f"{phase}-{name}")
    for phase, row in TRANSITIONS.items()
    for name, expected in row.items()
]


def test_the_table_covers_every_phase_and_command() -> None:
    assert set(TRANSITIONS) == set(Phase)
    assert all(set(row) == set(COMMANDS) for row in TRANSITIONS.values())


@pytest.mark.parametrize(("phase", "name", "expected"), TABLE)
def test_transition(phase: Phase, name: str, expected: Phase | Reject) -> None:
    state, now = in_phase(phase)
    before = to_dict(state)
    result = apply(state, COMMANDS[name], now)
    if isinstance(expected, Reject):
        assert result.error is expected
        assert result.events == []
        assert to_dict(state) == before  # a rejected command changes nothing
    else:
        assert result.error is None
        assert state.phase is expected
        assert state.version >= before["version"]
        assert all(e.version == state.version for e in result.events)


@pytest.mark.parametrize("phase", [Q, C, P])
def test_skip_moves_to_the_next_question_and_voids_the_current_one(phase: Phase) -> None:
    state, now = in_phase(phase)
    result = ok(apply(state, Skip(), now))
    assert kinds(result.events) == ["question_voided", "question_started"]
    assert (state.phase, state.question_index, state.paused_from) == (Q, 1, None)
    assert state.deadline == now + READ + LIMIT


@pytest.mark.parametrize("command", [Skip(), Next()])
def test_leaving_the_last_question_finishes_the_game(command: Command) -> None:
    state = game(questions=QUESTIONS[:1])
    run(state, T0, Start())
    if isinstance(command, Next):
        run(state, DEADLINE, Reveal())
    result = ok(apply(state, command, DEADLINE + 1))
    assert state.phase is F
    assert kinds(result.events)[-1] == "game_finished"


def test_it_runs_a_whole_game() -> None:
    state = game()
    run(state, T0, Start())
    for index, right in enumerate(["b", "c"]):
        opens = state.opens_at
        assert opens is not None
        run(state, opens + 1, answer("alice", index, right), answer("bob", index, "a"))
        assert state.phase is C  # everybody answered
        run(state, opens + 2, Reveal(), ShowLeaderboard(), Next())
    opens = state.opens_at
    assert opens is not None
    run(state, opens, answer("alice", 2, "a", "c"), answer("bob", 2, "c", "a"))
    run(state, opens + 1, Reveal(), Next())
    assert state.phase is F
    alice, bob = state.players["alice"], state.players["bob"]
    assert (alice.correct_count, bob.correct_count) == (3, 1)
    assert (alice.score, bob.score) == (975 + 1075 + 1200, 1000)
    assert public_question_view(state)["leaderboard"]["top"][0]["player_id"] == "alice"


# Deadlines and the clock ------------------------------------------------------


def test_tick_closes_the_question_at_the_deadline_and_only_once() -> None:
    state = run(game(), T0, Start())
    version = state.version
    assert tick(state, DEADLINE - 0.001).events == []
    assert (state.phase, state.version) == (Q, version)
    closed = tick(state, DEADLINE)
    assert kinds(closed.events) == ["question_closed"]
    assert closed.events[0].payload == {"question_index": 0, "answered": 0, "eligible": 2}
    assert (state.phase, state.version) == (C, version + 1)
    assert tick(state, DEADLINE + 5).events == []
    assert state.version == version + 1


def test_any_command_sees_the_deadline_first() -> None:
    state = run(game(), T0, Start())
    result = apply(state, answer("alice", 0, "b"), DEADLINE)
    assert result.error is Reject.TOO_LATE
    assert kinds(result.events) == ["question_closed"]
    assert state.phase is C


def test_an_answer_just_before_the_deadline_is_accepted() -> None:
    state = run(game(), T0, Start())
    result = ok(apply(state, answer("alice", 0, "b"), DEADLINE - 0.001))
    assert result.ack is not None and result.ack.response_ms == 19999


def test_close_question_by_a_worker_needs_the_deadline_or_every_answer() -> None:
    state = run(game(close_when_all_answered=False), T0, Start())
    assert apply(state, CloseQuestion(), OPENS + 1).error is Reject.NOT_YET
    run(state, OPENS + 1, answer("alice", 0, "b"), answer("bob", 0, "c"))
    assert state.phase is Q  # auto-close disabled
    result = ok(apply(state, CloseQuestion(), OPENS + 2))
    assert kinds(result.events) == ["question_closed"]
    second_worker = ok(apply(state, CloseQuestion(), OPENS + 2))
    assert second_worker.events == []


def test_a_late_worker_closing_after_the_deadline_gets_the_close_once() -> None:
    state = run(game(), T0, Start())
    first = ok(apply(state, CloseQuestion(), DEADLINE + 0.5))
    second = ok(apply(state, CloseQuestion(), DEADLINE + 0.6))
    assert kinds(first.events) == ["question_closed"]
    assert second.events == []


def test_the_question_closes_as_soon_as_everybody_has_answered() -> None:
    state = run(game(), T0, Start())
    first = ok(apply(state, answer("alice", 0, "b"), OPENS + 1))
    assert kinds(first.events) == ["answer_accepted", "answer_count"]
    last = ok(apply(state, answer("bob", 0, "a"), OPENS + 2))
    assert kinds(last.events) == ["answer_accepted", "answer_count", "question_closed"]
    assert state.phase is C


def test_answers_are_not_open_during_the_read_time() -> None:
    state = run(game(), T0, Start())
    assert apply(state, answer("alice", 0, "b"), OPENS - 0.01).error is Reject.NOT_OPEN
    ok(apply(state, answer("alice", 0, "b"), OPENS))


def test_a_question_may_override_the_read_time() -> None:
    quick = QuestionSpec("q1", ("a", "b"), frozenset({"a"}), 10.0, read_seconds=0.0)
    state = run(game(questions=(quick,)), T0, Start())
    assert (state.opens_at, state.deadline) == (T0, T0 + 10)


@pytest.mark.parametrize(
    ("paused_at", "resumed_at"),
    [(OPENS + 5, OPENS + 35), (T0 + 2, T0 + 62)],
    ids=["while-answering", "while-reading"],
)
def test_resume_shifts_the_deadlines_by_the_paused_time(
    paused_at: float, resumed_at: float
) -> None:
    state = run(game(), T0, Start())
    run(state, paused_at, Pause())
    assert tick(state, DEADLINE + 100).events == []  # a paused question never closes
    result = ok(apply(state, Resume(), resumed_at))
    shift = resumed_at - paused_at
    assert (state.opens_at, state.deadline) == (OPENS + shift, DEADLINE + shift)
    assert result.events[0].payload["shift_seconds"] == shift
    assert tick(state, DEADLINE + shift - 0.01).events == []
    assert kinds(tick(state, DEADLINE + shift).events) == ["question_closed"]


def test_time_spent_paused_does_not_count_against_the_player() -> None:
    state = run(game(), T0, Start())
    run(state, OPENS + 2, Pause())
    run(state, OPENS + 62, Resume())
    result = ok(apply(state, answer("alice", 0, "b"), OPENS + 65))
    assert result.ack is not None and result.ack.response_ms == 5000


@pytest.mark.parametrize(("phase"), [L, C, R])
def test_resume_and_pause_of_other_phases_restore_them(phase: Phase) -> None:
    state, now = in_phase(phase)
    if phase is L:
        assert apply(state, Pause(), now).error is X
        return
    deadline = state.deadline
    run(state, now, Pause())
    run(state, now + 30, Resume())
    assert (state.phase, state.deadline) == (phase, deadline)


def test_extend_time_moves_the_deadline_and_widens_the_window() -> None:
    state = run(game(), T0, Start())
    result = ok(apply(state, ExtendTime(20), OPENS + 1))
    assert result.events[0].payload == {"seconds": 20, "deadline": DEADLINE + 20}
    assert tick(state, DEADLINE + 10).events == []
    # half of the 40-second window: 750 points
    run(state, OPENS + 20, answer("alice", 0, "b"), Kick("bob"))
    run(state, OPENS + 21, Reveal())
    assert state.players["alice"].score == 750


def test_extend_time_while_paused_is_kept_after_resume() -> None:
    state = run(game(), T0, Start())
    run(state, OPENS + 1, Pause(), ExtendTime(5))
    run(state, OPENS + 11, Resume())
    assert state.deadline == DEADLINE + 5 + 10


@pytest.mark.parametrize("seconds", [0, -5, math.inf, math.nan, 301])
def test_extend_time_rejects_silly_amounts(seconds: float) -> None:
    state = run(game(), T0, Start())
    assert apply(state, ExtendTime(seconds), OPENS).error is Reject.INVALID_ARGUMENT


def test_finishing_mid_question_voids_it_but_a_closed_question_counts() -> None:
    open_game = run(game(), T0, Start())
    run(open_game, OPENS, answer("alice", 0, "b"))
    result = ok(apply(open_game, Finish(), OPENS + 1))
    assert kinds(result.events) == ["question_voided", "game_finished"]
    assert open_game.players["alice"].score == 0

    closed_game = run(game(), T0, Start())
    run(closed_game, OPENS, answer("alice", 0, "b"))
    result = ok(apply(closed_game, Finish(), DEADLINE))
    assert kinds(result.events) == ["question_closed", "question_scored", "game_finished"]
    assert closed_game.players["alice"].score == 1000


# Players: join, late join, kick ---------------------------------------------


def test_late_join_lets_a_player_answer_the_current_question() -> None:
    state = run(game(), T0, Start())
    result = ok(apply(state, Join("charlie", "Charlie", "Sa Pa"), OPENS + 1))
    assert result.events[0].payload == {
        "player_id": "charlie",
        "nickname": "Charlie",
        "team": "Sa Pa",
        "players": 3,
    }
    ok(apply(state, answer("charlie", 0, "b"), OPENS + 2))
    assert host_view(state)["answered"] == 1 and host_view(state)["eligible"] == 3


def test_close_late_join_stops_joins_during_the_game_but_not_in_the_lobby() -> None:
    state = game()
    run(state, T0 - 10, CloseLateJoin())
    ok(apply(state, Join("charlie", "Charlie"), T0 - 5))
    run(state, T0, Start())
    assert apply(state, Join("dan", "Dan"), OPENS).error is Reject.LATE_JOIN_CLOSED
    version = state.version
    assert ok(apply(state, CloseLateJoin(), OPENS)).events == []
    assert state.version == version


def test_late_join_can_be_off_from_the_start() -> None:
    state = run(game(late_join_open=False), T0, Start())
    assert apply(state, Join("dan", "Dan"), OPENS).error is Reject.LATE_JOIN_CLOSED


def test_joining_again_is_a_reconnect_and_changes_nothing() -> None:
    state = game()
    version = state.version
    result = ok(apply(state, Join("alice", "Someone else"), T0))
    assert result.events == [] and state.version == version
    assert state.players["alice"].nickname == "Alice"


@pytest.mark.parametrize(
    "join",
    [Join("eve", "   "), Join("eve", "x" * 33), Join("", "Eve"), Join("eve", "Eve", " ")],
)
def test_join_rejects_bad_input(join: Join) -> None:
    assert apply(game(), join, T0).error is Reject.INVALID_ARGUMENT


def test_a_kicked_player_cannot_answer_or_come_back() -> None:
    state = run(game(), T0, Start())
    run(state, OPENS, answer("bob", 0, "b"), Kick("bob"))
    assert apply(state, answer("bob", 1, "c"), OPENS + 1).error is Reject.KICKED
    assert apply(state, Join("bob", "Bob"), OPENS + 1).error is Reject.KICKED
    assert rank_of(state, "bob") is None
    assert [s.player_id for s in top(state, 10)] == ["alice"]


def test_kicking_drops_a_pending_answer_and_may_close_the_question() -> None:
    state = run(game(players=("alice", "bob", "charlie")), T0, Start())
    run(state, OPENS, answer("alice", 0, "b"), answer("charlie", 0, "a"))
    result = ok(apply(state, Kick("charlie"), OPENS + 1))
    assert kinds(result.events) == ["player_kicked", "player_kicked"]
    assert result.events[1].audience is Audience.PLAYER
    assert result.events[1].player_id == "charlie"
    assert state.phase is Q
    assert state.option_counts["a"] == 0
    assert host_view(state)["answered"] == 1
    ok(apply(state, Kick("bob"), OPENS + 1))
    assert state.phase is C  # alice was the last one still in the game


def test_kick_is_idempotent_and_needs_a_known_player() -> None:
    state = game()
    run(state, T0, Kick("bob"))
    version = state.version
    assert ok(apply(state, Kick("bob"), T0)).events == []
    assert state.version == version
    assert apply(state, Kick("mallory"), T0).error is Reject.UNKNOWN_PLAYER


# Answers ------------------------------------------------------------------


def test_the_same_answer_twice_counts_once_with_the_same_ack() -> None:
    state = run(game(players=("alice", "bob", "charlie")), T0, Start())
    first = ok(apply(state, answer("alice", 0, "b"), OPENS + 2))
    version = state.version
    again = ok(apply(state, answer("alice", 0, "b"), OPENS + 3))
    changed_mind = ok(apply(state, answer("alice", 0, "c"), OPENS + 4))
    assert again.ack == first.ack == changed_mind.ack == Ack(0, ("b",), OPENS + 2, 2000)
    assert again.duplicate and changed_mind.duplicate and not first.duplicate
    assert again.events == [] and state.version == version
    assert host_view(state)["answered"] == 1
    ok(tick(state, DEADLINE))
    after_close = ok(apply(state, answer("alice", 0, "b"), DEADLINE + 1))
    assert after_close.ack == first.ack
    scored = ok(apply(state, Reveal(), DEADLINE + 2))
    assert scored.events[0].payload["results"] == [
        {"player_id": "alice", "points": 950, "correct": True, "score": 950}
    ]
    assert state.players["alice"].score == 950


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (answer("mallory", 0, "b"), Reject.UNKNOWN_PLAYER),
        (answer("alice", 1, "b"), Reject.WRONG_QUESTION),
        (answer("alice", -1, "b"), Reject.WRONG_QUESTION),
        (answer("alice", 0), Reject.INVALID_CHOICE),
        (answer("alice", 0, "z"), Reject.INVALID_CHOICE),
        (answer("alice", 0, "a", "b"), Reject.INVALID_CHOICE),
    ],
)
def test_bad_answers_are_rejected_with_a_reason(command: Answer, error: Reject) -> None:
    state = run(game(), T0, Start())
    assert apply(state, command, OPENS + 1).error is error


@pytest.mark.parametrize(
    ("choice", "correct"),
    [(("a", "c"), True), (("c", "a"), True), (("a",), False), (("a", "b", "c"), False)],
)
def test_multiple_choice_needs_exactly_the_correct_set(
    choice: tuple[str, ...], correct: bool
) -> None:
    state = run(game(questions=QUESTIONS[2:]), T0, Start())
    result = ok(apply(state, Answer("alice", 0, choice), OPENS))
    assert result.events[0].payload["correct"] is correct
    assert apply(state, Answer("bob", 0, ("a", "a")), OPENS).error is Reject.INVALID_CHOICE


@pytest.mark.parametrize(
    ("answer_at", "delay_ms", "response_ms", "points"),
    [
        (OPENS, 0, 0, 1000),
        (OPENS + 10, 0, 10000, 750),
        (OPENS + 10, 1500, 8500, 788),
        (OPENS + 10, 60000, 8000, 800),  # the claim is capped at 2 s of grace
        (OPENS + 1, 5000, 0, 1000),  # never before answers opened
    ],
)
def test_fair_timing_through_the_engine(
    answer_at: float, delay_ms: int, response_ms: int, points: int
) -> None:
    state = run(game(), T0, Start())
    result = ok(apply(state, answer("alice", 0, "b", delay_ms=delay_ms), answer_at))
    assert result.ack is not None and result.ack.response_ms == response_ms
    run(state, DEADLINE, Reveal())
    assert state.players["alice"].score == points


def play(state: GameState, picks: list[dict[str, str | None]]) -> GameState:
    """Each round: who picks what (None: no answer); everybody answers 4 s after opening."""
    run(state, T0, Start())
    for index, round_picks in enumerate(picks):
        opens = state.opens_at
        assert opens is not None
        for seconds, (player, pick) in enumerate(round_picks.items(), start=4):
            if pick is not None:
                run(state, opens + seconds, answer(player, index, pick))
        ok(tick(state, opens + LIMIT))
        run(state, opens + LIMIT, Reveal(), Next())
    return state


def test_streak_bonus_grows_and_a_miss_or_a_wrong_answer_resets_it() -> None:
    four = tuple(QuestionSpec(f"q{i}", ("a", "b"), frozenset({"a"}), 20.0) for i in range(4))
    picks: list[dict[str, str | None]] = [
        {"alice": "a", "bob": "a"},
        {"alice": "a", "bob": None},
        {"alice": "a", "bob": "a"},
        {"alice": "b", "bob": "a"},
    ]
    state = play(game(questions=four), picks)
    # alice answers after 4 s (900 points), bob after 5 s (875): a miss restarts bob's streak
    assert state.players["alice"].score == 900 + (900 + 100) + (900 + 200) + 0
    assert state.players["bob"].score == 875 + 0 + 875 + (875 + 100)


def test_a_skipped_question_does_not_break_a_streak() -> None:
    state = run(game(), T0, Start())
    run(state, OPENS, answer("alice", 0, "b"), answer("bob", 0, "b"))
    run(state, OPENS + 1, Reveal(), Next())
    run(state, OPENS + 2, Skip())
    opens = state.opens_at
    assert opens is not None
    run(state, opens, answer("alice", 2, "a", "c"), Kick("bob"), Reveal())
    assert state.players["alice"].score == 1000 + 1100
    assert player_view(state, "alice")["me"]["streak"] == 2


def test_accuracy_mode_counts_correct_answers_and_breaks_ties_by_time() -> None:
    picks: list[dict[str, str | None]] = [
        {"bob": "b", "alice": "b", "charlie": "a"},
        {"alice": "c", "bob": "c", "charlie": "c"},
    ]
    state = play(
        game(
            mode=ScoringMode.ACCURACY, players=("alice", "bob", "charlie"), questions=QUESTIONS[:2]
        ),
        picks,
    )
    standings = top(state, 3)
    # alice and bob: both right twice in 5 s + 4 s; alice joined first
    assert [(s.player_id, s.score, s.correct_count, s.total_time_ms) for s in standings] == [
        ("alice", 2000, 2, 9000),
        ("bob", 2000, 2, 9000),
        ("charlie", 1000, 1, 6000),
    ]


def test_accuracy_mode_prefers_the_faster_of_two_equal_players() -> None:
    picks: list[dict[str, str | None]] = [{"bob": "b", "alice": "b"}, {"bob": "c", "alice": "c"}]
    state = play(game(mode=ScoringMode.ACCURACY, questions=QUESTIONS[:2]), picks)
    assert [s.player_id for s in top(state, 2)] == ["bob", "alice"]
    assert (rank_of(state, "bob"), rank_of(state, "alice")) == (1, 2)


def test_team_scores_are_summed_and_averaged() -> None:
    state = game(players=())
    teams = [("alice", "Sa Pa"), ("bob", "Sa Pa"), ("erin", "Sa Pa"), ("charlie", "Bat Xat")]
    for pid, team in [*teams, ("dan", None)]:
        run(state, T0 - 1, Join(pid, pid.title(), team))
    run(state, T0, Start())
    run(state, OPENS, *(answer(p, 0, "b") for p in ("alice", "erin", "charlie", "dan")))
    run(state, OPENS, answer("bob", 0, "a"))
    run(state, OPENS + 1, Reveal())
    by_total = team_standings(state)
    assert [(t.team, t.members, t.total, t.mean) for t in by_total] == [
        ("Sa Pa", 3, 2000, pytest.approx(2000 / 3)),
        ("Bat Xat", 1, 1000, 1000.0),
    ]
    assert [t.team for t in team_standings(state, by_mean=True)] == ["Bat Xat", "Sa Pa"]


# Views and secrecy ----------------------------------------------------------


def views(state: GameState, now: float) -> list[Any]:
    return [
        public_question_view(state, now=now),
        host_view(state, now=now),
        player_view(state, "alice", now=now),
        player_view(state, "bob", now=now),
    ]


def with_correct(option: str) -> tuple[QuestionSpec, ...]:
    return (QuestionSpec("q1", ("a", "b", "c", "d"), frozenset({option}), LIMIT), *QUESTIONS[1:])


BEFORE_REVEAL: list[tuple[float, Command]] = [
    (T0, Start()),
    (OPENS - 1, Pause()),
    (OPENS + 3, Resume()),
    (OPENS + 8, answer("alice", 0, "b")),
    (OPENS + 9, ExtendTime(3)),
    (OPENS + 10, answer("bob", 0, "c", delay_ms=900)),
]


def test_no_view_or_broadcast_before_the_reveal_depends_on_the_correct_option() -> None:
    games = [game(questions=with_correct(o)) for o in ("a", "b", "c")]
    for now, command in BEFORE_REVEAL:
        results = [apply(g, command, now) for g in games]
        seen = [
            json.dumps(
                [views(g, now), [e.to_dict() for e in r.events if e.audience != Audience.SERVER]],
                sort_keys=True,
            )
            for g, r in zip(games, results, strict=True)
        ]
        assert seen[0] == seen[1] == seen[2]
        assert "correct_option_ids" not in seen[0]
        assert '"is_correct"' not in seen[0]
    assert games[0].phase is C  # everyone answered: closed, still secret
    revealed = [apply(g, Reveal(), OPENS + 11) for g in games]
    shown = [json.dumps(public_question_view(g)) for g in games]
    assert len(set(shown)) == 3
    assert '"correct_option_ids": ["b"]' in shown[1]
    assert all(r.events[-1].kind == "question_revealed" for r in revealed)


def test_own_score_and_rank_do_not_move_until_the_reveal() -> None:
    state = run(game(), T0, Start())
    run(state, OPENS, answer("alice", 0, "b"), answer("bob", 0, "a"))
    me = player_view(state, "alice")["me"]
    assert (me["score"], me["rank"], me["streak"], me["result"]) == (0, 1, 0, None)
    assert player_view(state, "bob")["me"]["rank"] == 2  # join order until scores differ
    run(state, OPENS + 1, Reveal())
    bob = player_view(state, "bob")["me"]
    assert (bob["score"], bob["rank"], bob["result"]["is_correct"]) == (0, 2, False)


def test_reconnect_snapshot_has_everything_to_render_from_scratch() -> None:
    state = run(game(), T0, Start())
    run(state, OPENS, answer("alice", 0, "b"), answer("bob", 0, "a"))
    run(state, OPENS + 1, Reveal(), ShowLeaderboard(), Next())
    run(state, T0 + 8, Join("charlie", "Charlie"))
    run(state, state.opens_at or 0, answer("bob", 1, "c"))
    snapshot = json.loads(json.dumps(player_view(state, "bob", now=T0 + 12)))
    assert {k: snapshot[k] for k in ("phase", "version", "question_index", "server_now")} == {
        "phase": "question",
        "version": state.version,
        "question_index": 1,
        "server_now": T0 + 12,
    }
    assert (snapshot["opens_at"], snapshot["deadline"]) == (state.opens_at, state.deadline)
    assert snapshot["question"]["option_ids"] == ["a", "b", "c", "d"]
    me = snapshot["me"]
    assert (me["score"], me["rank"], me["streak"]) == (0, 2, 0)
    assert me["ack"]["question_index"] == 1 and me["ack"]["choice"] == ["c"]
    alice = player_view(state, "alice")["me"]
    assert (alice["score"], alice["rank"], alice["streak"], alice["ack"]) == (1000, 1, 1, None)
    assert player_view(state, "nobody")["me"] is None


def test_host_view_counts_answers() -> None:
    state = run(game(players=("alice", "bob", "charlie")), T0, Start())
    run(state, OPENS, answer("alice", 0, "b"))
    view = host_view(state)
    assert (view["answered"], view["eligible"], view["kicked"]) == (1, 3, 0)
    assert "option_counts" not in view


def test_leaderboard_phase_shows_the_top_players_and_teams() -> None:
    state, now = in_phase(B)
    board = public_question_view(state, now=now)["leaderboard"]
    assert [row["player_id"] for row in board["top"]] == ["alice", "bob"]
    assert board["top"][0] == {
        "rank": 1,
        "player_id": "alice",
        "nickname": "Alice",
        "team": None,
        "score": 0,
        "correct_count": 0,
        "total_time_ms": 0,
    }
    assert top(state, 1)[0].player_id == "alice" and top(state, 0) == []


# Versions and persistence ----------------------------------------------------


def test_every_mutation_bumps_the_version_and_nothing_else_does() -> None:
    state = game()
    steps: list[tuple[float, Command, bool]] = [
        (T0, Start(), True),
        (T0, Start(), False),
        (OPENS, answer("alice", 0, "b"), True),
        (OPENS, answer("alice", 0, "b"), False),
        (OPENS + 1, Pause(), True),
        (OPENS + 2, Resume(), True),
        (OPENS + 3, ExtendTime(1), True),
        (OPENS + 3, CloseQuestion(), False),
    ]
    for now, command, mutates in steps:
        before = state.version
        apply(state, command, now)
        assert state.version == before + (1 if mutates else 0), command


@pytest.mark.parametrize("phase", list(Phase))
def test_state_round_trips_through_json(phase: Phase) -> None:
    state, now = in_phase(phase)
    if phase is Q:
        run(state, now, answer("alice", 0, "b"), Join("charlie", "Charlie", "Sa Pa"))
    data = json.loads(json.dumps(to_dict(state)))
    restored = from_dict(data)
    assert restored == state
    assert to_dict(restored) == to_dict(state)
    assert restored.option_counts == state.option_counts
    assert restored.active_count == state.active_count
    assert player_view(restored, "alice", now=now) == player_view(state, "alice", now=now)
    # and the restored game carries on exactly like the original
    for g in (state, restored):
        apply(g, Kick("bob"), now + 1)
        apply(g, Finish(), now + 2)
    assert to_dict(restored) == to_dict(state)


def test_from_dict_rejects_an_unknown_schema() -> None:
    data = to_dict(game())
    data["schema"] = 99
    with pytest.raises(ValueError):
        from_dict(data)


@pytest.mark.parametrize(
    ("options", "correct", "multiple"),
    [
        ((), {"a"}, False),
        (("a", "a"), {"a"}, False),
        (("a", "b"), {"c"}, False),
        (("a", "b"), {"a", "b"}, False),
        (("a",), set(), True),
    ],
)
def test_question_specs_are_validated(
    options: tuple[str, ...], correct: set[str], multiple: bool
) -> None:
    with pytest.raises(ValueError):
        QuestionSpec("q", options, frozenset(correct), multiple=multiple)


def test_a_game_needs_questions() -> None:
    with pytest.raises(ValueError):
        new_game(game_id="g", questions=())


# Properties ---------------------------------------------------------------

PEOPLE = ("alice", "bob", "charlie", "dan")

CURRENT = -99  # stands for the question being asked when the command is applied

ANSWERS: list[Command] = [
    Answer(player, index, choice, delay_ms)
    for player in PEOPLE
    for index in [*[CURRENT] * 8, 0, 1, 3, -1]
    for choice in [("a",), ("b",), ("c",), ("d",), ("a", "c"), ("z",)]
    for delay_ms in (0, 400, 1500, 5000, -200)
]
# (weight, commands of one kind): mostly answers, a fair share of host moves, few disruptions
WEIGHTED_COMMANDS: list[tuple[int, list[Command]]] = [
    (40, ANSWERS),
    (10, [Start()]),
    (8, [Reveal()]),
    (8, [Next()]),
    (4, [ShowLeaderboard()]),
    (4, [CloseQuestion()]),
    (1, [Pause()]),
    (12, [Resume()]),
    (2, [ExtendTime(-1.0), ExtendTime(3.0), ExtendTime(30.0)]),
    (4, [Join(p, "Nick", team) for p in PEOPLE for team in (None, "A")]),
    (1, [Skip()]),
    (1, [Kick(p) for p in PEOPLE]),
    (1, [CloseLateJoin()]),
    (1, [Finish()]),
]
POOL = [commands for weight, commands in WEIGHTED_COMMANDS for _ in range(weight)]
# Drawing two integers and mapping is far cheaper for hypothesis than one_of/flatmap.
command_strategy = st.tuples(st.integers(0, len(POOL) - 1), st.integers(0, 10_000)).map(
    lambda pick: POOL[pick[0]][pick[1] % len(POOL[pick[0]])]
)
script_strategy = st.lists(
    st.tuples(st.floats(0, 8, allow_nan=False), command_strategy), min_size=25, max_size=80
)
TICK_ONLY = 7.5  # a step this long stands for a worker's tick instead of a command


def step(state: GameState, command: Command, now: float, delay: float) -> Result:
    if delay > TICK_ONLY:
        return tick(state, now)
    if isinstance(command, Answer) and command.question_index == CURRENT:
        command = Answer(
            command.player_id, state.question_index, command.choice, command.client_receive_delay_ms
        )
    return apply(state, command, now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script_strategy)
def test_versions_never_decrease_and_scores_add_up(script: list[tuple[float, Command]]) -> None:
    state = game(players=("alice", "bob", "charlie"))
    now = T0
    accepted: dict[tuple[int, str], int] = {}
    scored_total = 0
    scored_by_player: dict[str, int] = {}
    for delay, command in script:
        now += delay
        version = state.version
        result = step(state, command, now, delay)
        assert state.version >= version
        assert all(e.version <= state.version for e in result.events)
        assert [e.version for e in result.events] == sorted(e.version for e in result.events)
        if result.error is not None:
            assert result.ack is None
        for event in result.events:
            if event.kind == "answer_accepted":
                p = event.payload
                accepted[(p["question_index"], p["player_id"])] = p["base"] + p["bonus"]
            if event.kind == "question_scored":
                for row in event.payload["results"]:
                    points = accepted[(event.payload["question_index"], row["player_id"])]
                    assert row["points"] == points
                    scored_total += points
                    pid = row["player_id"]
                    scored_by_player[pid] = scored_by_player.get(pid, 0) + points
    assert sum(p.score for p in state.players.values()) == scored_total
    assert {pid: p.score for pid, p in state.players.items() if p.score} == {
        pid: s for pid, s in scored_by_player.items() if s
    }
    assert from_dict(json.loads(json.dumps(to_dict(state)))) == state


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script_strategy)
def test_nothing_players_see_depends_on_the_answer_before_it_is_revealed(
    script: list[tuple[float, Command]],
) -> None:
    games = [game(questions=with_correct(o), players=("alice", "bob")) for o in ("a", "b")]
    now = T0
    for delay, command in script:
        now += delay
        results = [step(g, command, now, delay) for g in games]
        if any(g.last_scored_index >= 0 for g in games):
            break  # question 1 was scored: its answer is public from here on
        public = [
            json.dumps(
                [
                    [public_question_view(g), host_view(g)],
                    [player_view(g, p) for p in PEOPLE],
                    [e.to_dict() for e in r.events if e.audience is not Audience.SERVER],
                    r.error,
                    r.ack,
                ],
                sort_keys=True,
                default=str,
            )
            for g, r in zip(games, results, strict=True)
        ]
        assert public[0] == public[1]
