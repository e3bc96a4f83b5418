from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contest.live.scoring import (
    AnswerScore,
    ScoringMode,
    accuracy_rank_key,
    fair_response_seconds,
    rank_key,
    score_answer,
    speed_points,
    speed_rank_key,
    streak_bonus,
)


@pytest.mark.parametrize(
    ("t", "limit", "points"),
    [
        (0.0, 20.0, 1000),
        (20.0, 20.0, 500),
        (10.0, 20.0, 750),
        (5.0, 20.0, 875),
        (15.0, 20.0, 625),
        (-3.0, 20.0, 1000),  # clamped to 0
        (45.0, 20.0, 500),  # clamped to T
        (1.0, 8.0, 938),  # 937.5 rounds half up
        (3.0, 8.0, 813),  # 812.5 rounds half up
        (0.001, 10.0, 1000),
    ],
)
def test_speed_formula(t: float, limit: float, points: int) -> None:
    assert speed_points(t, limit) == points


@pytest.mark.parametrize("limit", [0.0, -1.0, float("nan")])
def test_speed_formula_rejects_a_non_positive_window(limit: float) -> None:
    with pytest.raises(ValueError):
        speed_points(1.0, limit)


@given(st.floats(-100, 100), st.floats(0.1, 120))
def test_speed_points_stay_between_500_and_1000(t: float, limit: float) -> None:
    assert 500 <= speed_points(t, limit) <= 1000


@given(st.floats(0, 60), st.floats(0, 60), st.floats(1, 60))
def test_answering_sooner_never_scores_less(a: float, b: float, limit: float) -> None:
    early, late = sorted((a, b))
    assert speed_points(early, limit) >= speed_points(late, limit)


@pytest.mark.parametrize(
    ("streak", "bonus"),
    [(0, 0), (1, 0), (2, 100), (3, 200), (5, 400), (6, 500), (7, 500), (50, 500)],
)
def test_streak_bonus_is_100_per_answer_beyond_the_first_capped_at_500(
    streak: int, bonus: int
) -> None:
    assert streak_bonus(streak) == bonus


@pytest.mark.parametrize(
    ("mode", "correct", "t", "previous", "expected"),
    [
        (ScoringMode.SPEED, True, 0.0, 0, AnswerScore(True, 1000, 0, 1)),
        (ScoringMode.SPEED, True, 10.0, 1, AnswerScore(True, 750, 100, 2)),
        (ScoringMode.SPEED, True, 20.0, 9, AnswerScore(True, 500, 500, 10)),
        (ScoringMode.SPEED, False, 0.0, 4, AnswerScore(False, 0, 0, 0)),
        (ScoringMode.ACCURACY, True, 19.0, 0, AnswerScore(True, 1000, 0, 1)),
        (ScoringMode.ACCURACY, True, 0.0, 5, AnswerScore(True, 1000, 0, 6)),
        (ScoringMode.ACCURACY, False, 1.0, 5, AnswerScore(False, 0, 0, 0)),
    ],
)
def test_score_answer(
    mode: ScoringMode, correct: bool, t: float, previous: int, expected: AnswerScore
) -> None:
    scored = score_answer(
        mode=mode, correct=correct, response_seconds=t, limit_seconds=20.0, previous_streak=previous
    )
    assert scored == expected
    assert scored.points == expected.base + expected.bonus


def test_wrong_answer_resets_the_streak_and_scores_nothing() -> None:
    streak = 0
    points = []
    for correct in (True, True, True, False, True):
        scored = score_answer(
            mode=ScoringMode.SPEED,
            correct=correct,
            response_seconds=0.0,
            limit_seconds=10.0,
            previous_streak=streak,
        )
        streak = scored.streak
        points.append(scored.points)
    assert points == [1000, 1100, 1200, 0, 1000]


@pytest.mark.parametrize(
    ("opened_at", "answered_at", "claimed_ms", "grace", "expected"),
    [
        (100.0, 105.0, 0, 2.0, 5.0),  # no claim: server time
        (100.0, 105.0, 1500, 2.0, 3.5),  # claim honoured
        (100.0, 105.0, 9000, 2.0, 3.0),  # claim capped by max grace
        (100.0, 101.0, 1500, 2.0, 0.0),  # claim capped by server elapsed: never negative
        (100.0, 105.0, -800, 2.0, 5.0),  # negative claim ignored
        (100.0, 99.0, 0, 2.0, 0.0),  # before opening (clock skew) counts as 0
        (100.0, 105.0, 1500, 0.0, 5.0),  # grace disabled
    ],
)
def test_fair_timing_bounds(
    opened_at: float, answered_at: float, claimed_ms: int, grace: float, expected: float
) -> None:
    t = fair_response_seconds(
        opened_at=opened_at,
        answered_at=answered_at,
        client_receive_delay_ms=claimed_ms,
        max_grace_seconds=grace,
    )
    assert t == pytest.approx(expected)


@given(
    st.floats(0, 1e6),
    st.floats(0, 120),
    st.integers(-10_000, 100_000),
    st.floats(0, 10),
)
def test_fair_time_is_within_server_limits(
    opened_at: float, elapsed: float, claimed_ms: int, grace: float
) -> None:
    t = fair_response_seconds(
        opened_at=opened_at,
        answered_at=opened_at + elapsed,
        client_receive_delay_ms=claimed_ms,
        max_grace_seconds=grace,
    )
    server_elapsed = (opened_at + elapsed) - opened_at
    assert 0.0 <= t <= server_elapsed + 1e-9
    assert t >= server_elapsed - grace - 1e-9


def _speed_order(players: list[tuple[str, int, int, int]]) -> list[str]:
    ranked = sorted(
        players, key=lambda p: speed_rank_key(score=p[1], total_time_ms=p[2], join_order=p[3])
    )
    return [p[0] for p in ranked]


@pytest.mark.parametrize(
    ("players", "order"),
    [
        ([("alice", 900, 5000, 0), ("bob", 1500, 9000, 1)], ["bob", "alice"]),
        ([("alice", 1500, 9000, 0), ("bob", 1500, 4000, 1)], ["bob", "alice"]),
        ([("alice", 1500, 4000, 1), ("bob", 1500, 4000, 0)], ["bob", "alice"]),
        (
            [("alice", 0, 0, 0), ("bob", 2000, 8000, 1), ("charlie", 2000, 7000, 2)],
            ["charlie", "bob", "alice"],
        ),
    ],
)
def test_speed_ranking_is_score_then_time_then_join_order(
    players: list[tuple[str, int, int, int]], order: list[str]
) -> None:
    assert _speed_order(players) == order


@pytest.mark.parametrize(
    ("players", "order"),
    [
        ([("alice", 3, 1000, 0), ("bob", 4, 90000, 1)], ["bob", "alice"]),
        ([("alice", 4, 9000, 0), ("bob", 4, 4000, 1)], ["bob", "alice"]),
        ([("alice", 4, 4000, 1), ("bob", 4, 4000, 0)], ["bob", "alice"]),
    ],
)
def test_accuracy_ranking_is_correct_count_then_time(
    players: list[tuple[str, int, int, int]], order: list[str]
) -> None:
    ranked = sorted(
        players,
        key=lambda p: accuracy_rank_key(correct_count=p[1], total_time_ms=p[2], join_order=p[3]),
    )
    assert [p[0] for p in ranked] == order


def test_rank_key_dispatches_on_mode() -> None:
    # Same standing, different modes: accuracy ignores speed points entirely.
    key = {"score": 2700, "correct_count": 2, "total_time_ms": 3000, "join_order": 4}
    assert rank_key(ScoringMode.SPEED, **key) == (-2700, 3000, 4)
    assert rank_key(ScoringMode.ACCURACY, **key) == (-2, 3000, 4)
