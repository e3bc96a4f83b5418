"""Ranking rules of Vietnamese "cuộc thi tìm hiểu", as pure functions.

Rules are data on the contest: an ordered list of keys, each breaking the ties
left by the ones before it. The usual chain is score, then closeness of the
prediction ("câu hỏi dự đoán") to the true figure, then time taken, then
submission time. Two entries share a rank only when every key ties
(competition ranking: 1, 2, 2, 4). Imports nothing from Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SCORE = "score"
PREDICTION = "prediction"
DURATION = "duration"
SUBMITTED_AT = "submitted_at"
RULE_KEYS = (SCORE, PREDICTION, DURATION, SUBMITTED_AT)
DEFAULT_RULES = (SCORE, PREDICTION, DURATION, SUBMITTED_AT)


@dataclass(frozen=True)
class Entry:
    """One submitted attempt, as ranking sees it."""

    attempt_id: int
    participant_id: int
    score: float
    duration_seconds: float
    submitted_at: dt.datetime
    prediction: int | None = None
    school_id: int | None = None
    commune_code: str | None = None


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry
    prediction_error: int | None


def sort_key(entry: Entry, rules: Sequence[str], truth: int | None) -> tuple[float, ...]:
    """Smaller is better for every component."""
    key: list[float] = []
    for rule in rules:
        if rule == SCORE:
            key.append(-entry.score)
        elif rule == PREDICTION:
            key.append(prediction_error_key(entry.prediction, truth))
        elif rule == DURATION:
            key.append(entry.duration_seconds)
        elif rule == SUBMITTED_AT:
            key.append(entry.submitted_at.timestamp())
        else:
            raise ValueError(f"unknown ranking rule {rule!r}")
    return tuple(key)


def prediction_error_key(prediction: int | None, truth: int | None) -> float:
    """No prediction, or no true figure yet, ranks after every real prediction."""
    if prediction is None or truth is None:
        return float("inf")
    return float(abs(prediction - truth))


def best_per_participant(
    entries: Iterable[Entry], rules: Sequence[str], truth: int | None
) -> list[Entry]:
    """A participant with several attempts is ranked by their best one."""
    best: dict[int, Entry] = {}
    for entry in entries:
        current = best.get(entry.participant_id)
        if current is None or sort_key(entry, rules, truth) < sort_key(current, rules, truth):
            best[entry.participant_id] = entry
    return list(best.values())


def rank(entries: Iterable[Entry], rules: Sequence[str], truth: int | None) -> list[Ranked]:
    chosen = best_per_participant(entries, rules, truth)
    keyed = sorted(((sort_key(e, rules, truth), e) for e in chosen), key=lambda pair: pair[0])
    ranked: list[Ranked] = []
    previous_key: tuple[float, ...] | None = None
    current_rank = 0
    for position, (key, entry) in enumerate(keyed, start=1):
        if key != previous_key:
            current_rank = position
            previous_key = key
        error = None if entry.prediction is None or truth is None else abs(entry.prediction - truth)
        ranked.append(Ranked(rank=current_rank, entry=entry, prediction_error=error))
    return ranked


@dataclass(frozen=True)
class GroupResult:
    """A school's or commune's collective result."""

    group: str
    participants: int
    denominator: int | None
    participation_rate: float | None
    average_score: float
    rank: int


def collective(
    ranked: Sequence[Ranked], group_of: dict[int, str], denominators: dict[str, int]
) -> list[GroupResult]:
    """Rank groups by participation rate (against enrolment or population), then by
    average score; groups without a denominator rank after those with one."""
    members: dict[str, list[float]] = {}
    for item in ranked:
        group = group_of.get(item.entry.participant_id)
        if group is not None:
            members.setdefault(group, []).append(item.entry.score)
    rows = []
    for group, scores in members.items():
        denominator = denominators.get(group)
        rate = len(scores) / denominator if denominator else None
        rows.append((group, len(scores), denominator, rate, sum(scores) / len(scores)))
    rows.sort(key=lambda r: (r[3] is None, -(r[3] or 0.0), -r[4], r[0]))
    return [
        GroupResult(group, n, denominator, rate, average, position)
        for position, (group, n, denominator, rate, average) in enumerate(rows, start=1)
    ]
