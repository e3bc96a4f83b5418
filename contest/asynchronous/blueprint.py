"""Drawing an attempt's questions from the bank by the contest's blueprint. Pure.

Each rule has a pool of candidates and a count. Enemy questions (those that give
each other away) never appear together. With `stratified`, each rule's pool is cut
into `count` bands of difficulty and one question is drawn from each band, so
different participants get different questions of about the same difficulty.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    version_id: int
    question_id: int
    difficulty: float
    enemies: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Rule:
    pool: Sequence[Candidate]
    count: int


class DrawError(ValueError):
    """The bank cannot satisfy the blueprint (too few eligible questions)."""


def draw(rules: Sequence[Rule], rng: random.Random, *, stratified: bool) -> list[int]:
    """Version ids, rule by rule; the caller shuffles the order if the contest says so."""
    chosen: list[Candidate] = []
    for number, rule in enumerate(rules, start=1):
        picked = _draw_rule(rule, chosen, rng, stratified)
        if len(picked) < rule.count:
            raise DrawError(f"rule {number}: {len(picked)} of {rule.count} questions available")
        chosen += picked
    return [c.version_id for c in chosen]


def _eligible(candidate: Candidate, chosen: Sequence[Candidate]) -> bool:
    return all(
        candidate.question_id != c.question_id
        and candidate.question_id not in c.enemies
        and c.question_id not in candidate.enemies
        for c in chosen
    )


def _draw_rule(
    rule: Rule, already: Sequence[Candidate], rng: random.Random, stratified: bool
) -> list[Candidate]:
    picked: list[Candidate] = []
    if stratified and rule.count:
        ordered = sorted(rule.pool, key=lambda c: (c.difficulty, c.version_id))
        bands = [
            ordered[i * len(ordered) // rule.count : (i + 1) * len(ordered) // rule.count]
            for i in range(rule.count)
        ]
        for band in bands:
            options = [c for c in band if _eligible(c, [*already, *picked])]
            if options:
                picked.append(rng.choice(options))
    remaining = [c for c in rule.pool if c not in picked]
    rng.shuffle(remaining)
    for candidate in remaining:
        if len(picked) >= rule.count:
            break
        if _eligible(candidate, [*already, *picked]):
            picked.append(candidate)
    return picked
