"""Drawing questions by blueprint: counts, enemies, equal difficulty per participant."""

from __future__ import annotations

import random
import statistics

import pytest

from contest.asynchronous.blueprint import Candidate, DrawError, Rule, draw


def pool(n: int, start: int = 0) -> list[Candidate]:
    return [Candidate(start + i, start + i, -2 + 4 * i / (n - 1)) for i in range(n)]


def test_each_rule_gives_its_count_without_repeats() -> None:
    chosen = draw(
        [Rule(pool(20), 5), Rule(pool(20, start=100), 3)], random.Random(1), stratified=False
    )
    assert len(chosen) == len(set(chosen)) == 8
    assert sum(1 for c in chosen if c >= 100) == 3


def test_enemies_never_appear_together() -> None:
    a = Candidate(1, 1, 0.0, frozenset({2}))
    b = Candidate(2, 2, 0.0, frozenset({1}))
    others = [Candidate(i, i, 0.0) for i in range(3, 6)]
    for seed in range(50):
        chosen = draw([Rule([a, b, *others], 4)], random.Random(seed), stratified=False)
        assert not {1, 2} <= set(chosen)


def test_a_bank_too_small_is_an_error() -> None:
    with pytest.raises(DrawError):
        draw([Rule(pool(3), 5)], random.Random(1), stratified=False)


def test_stratified_draws_differ_but_have_equal_difficulty() -> None:
    candidates = pool(60)
    difficulty = {c.version_id: c.difficulty for c in candidates}
    means, sets = [], set()
    for seed in range(40):
        chosen = draw([Rule(candidates, 10)], random.Random(seed), stratified=True)
        means.append(statistics.mean(difficulty[c] for c in chosen))
        sets.add(frozenset(chosen))
    assert len(sets) > 30  # participants get different questions
    assert max(means) - min(means) < 0.15  # of about the same difficulty
    unstratified = [
        statistics.mean(
            difficulty[c] for c in draw([Rule(candidates, 10)], random.Random(s), stratified=False)
        )
        for s in range(40)
    ]
    assert max(unstratified) - min(unstratified) > max(means) - min(means)
