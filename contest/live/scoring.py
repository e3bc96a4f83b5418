"""Scoring, fair timing and ranking rules for live games.

Pure functions: no Django, no clock. Times are seconds (floats) or whole
milliseconds (ints) where they are summed, so that totals are exact.

Rules, as published to players:

* Speed mode. A correct answer scores ``round(1000 × (1 − (t/T)/2))`` where
  ``T`` is the answer window and ``t`` the fair response time clamped to
  ``[0, T]``: 1000 points for an instant answer, 500 at the buzzer. Rounding is
  half-up, so a JavaScript client can reproduce it with ``Math.round``.
  Streak bonus: ``+100`` for every consecutive correct answer beyond the first,
  capped at ``+500`` (2nd correct in a row +100, 3rd +200, … 6th and later +500).
* Accuracy-first mode. A correct answer scores 1000, with no speed points and no
  streak bonus; total response time only breaks ties.
* A wrong answer or no answer scores 0 and resets the streak.
* Fair timing. The clock starts when answers open on the server, minus the
  delay the device reports between the question being sent and reaching it, and
  that claim is bounded: ``t = elapsed − min(claimed_delay, max_grace, elapsed)``
  with ``elapsed = answered_at − opened_at``. A device cannot claim more than
  ``max_grace`` seconds, nor a time before answers opened.
* Ranking. Speed: score desc, then total time of correct answers asc, then join
  order. Accuracy: correct answers desc, then total time asc, then join order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class ScoringMode(StrEnum):
    SPEED = "speed"
    ACCURACY = "accuracy"


MAX_POINTS = 1000
ACCURACY_POINTS = 1000
STREAK_STEP = 100
STREAK_CAP = 500
DEFAULT_MAX_GRACE_SECONDS = 2.0

RankKey = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class AnswerScore:
    """Points for one answer; ``streak`` counts consecutive correct answers including this one."""

    correct: bool
    base: int
    bonus: int
    streak: int

    @property
    def points(self) -> int:
        return self.base + self.bonus


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def speed_points(response_seconds: float, limit_seconds: float) -> int:
    if not limit_seconds > 0:
        raise ValueError("limit_seconds must be positive")
    t = min(max(response_seconds, 0.0), limit_seconds)
    return _round_half_up(MAX_POINTS * (1 - (t / limit_seconds) / 2))


def streak_bonus(streak: int) -> int:
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_CAP)


def score_answer(
    *,
    mode: ScoringMode,
    correct: bool,
    response_seconds: float,
    limit_seconds: float,
    previous_streak: int,
) -> AnswerScore:
    if not correct:
        return AnswerScore(correct=False, base=0, bonus=0, streak=0)
    streak = previous_streak + 1
    if mode is ScoringMode.ACCURACY:
        return AnswerScore(correct=True, base=ACCURACY_POINTS, bonus=0, streak=streak)
    base = speed_points(response_seconds, limit_seconds)
    return AnswerScore(correct=True, base=base, bonus=streak_bonus(streak), streak=streak)


def fair_response_seconds(
    *,
    opened_at: float,
    answered_at: float,
    client_receive_delay_ms: int,
    max_grace_seconds: float = DEFAULT_MAX_GRACE_SECONDS,
) -> float:
    """Response time from when the question reached the device, bounded by the server."""
    elapsed = max(answered_at - opened_at, 0.0)
    claimed = max(client_receive_delay_ms, 0) / 1000
    return elapsed - min(claimed, max(max_grace_seconds, 0.0), elapsed)


def speed_rank_key(*, score: int, total_time_ms: int, join_order: int) -> RankKey:
    return (-score, total_time_ms, join_order)


def accuracy_rank_key(*, correct_count: int, total_time_ms: int, join_order: int) -> RankKey:
    return (-correct_count, total_time_ms, join_order)


def rank_key(
    mode: ScoringMode, *, score: int, correct_count: int, total_time_ms: int, join_order: int
) -> RankKey:
    """Sort ascending by this key: the first item is the leader."""
    if mode is ScoringMode.ACCURACY:
        return accuracy_rank_key(
            correct_count=correct_count, total_time_ms=total_time_ms, join_order=join_order
        )
    return speed_rank_key(score=score, total_time_ms=total_time_ms, join_order=join_order)
