"""Practice mode (the plan's self-study tool): bank questions by topic and target
group, unranked, the explanation right after each answer, and a short summary of
what to learn next. State lives in the person's session, so a reload resumes."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from contest.asynchronous import scoring
from question_banks.models import Competence, Option, QuestionVersion

PRACTICE_LENGTH = 10


@dataclass
class PracticeState:
    version_ids: list[int]
    option_orders: list[list[int]]
    position: int = 0  # index of the current question
    answered: bool = False  # the current question has been answered (showing feedback)
    results: list[bool] = field(default_factory=list)
    last_choice: list[int] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.version_ids)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PracticeState:
        return cls(**data)


def practice_pool(*, target_group: str = "", tag: str = "") -> list[int]:
    versions = QuestionVersion.objects.filter(status=QuestionVersion.Status.PUBLISHED)
    if target_group:
        versions = versions.filter(target_groups__code=target_group)
    if tag:
        versions = versions.filter(tags__slug=tag)
    return list(versions.values_list("pk", flat=True).distinct())


def practice_start(*, target_group: str, tag: str, rng: random.Random) -> PracticeState | None:
    pool = practice_pool(target_group=target_group, tag=tag)
    if not pool:
        return None
    chosen = rng.sample(pool, min(PRACTICE_LENGTH, len(pool)))
    facts = {
        pk: (b, qtype)
        for pk, b, qtype in QuestionVersion.objects.filter(pk__in=chosen).values_list(
            "pk", "irt_b", "type"
        )
    }
    # Easier first: a practice set should build confidence before it stretches.
    chosen.sort(key=lambda pk: facts[pk][0])
    options: dict[int, list[int]] = {pk: [] for pk in chosen}
    rows = Option.objects.filter(version_id__in=chosen).order_by("version_id", "position")
    for version_id, option_id in rows.values_list("version_id", "pk"):
        options[version_id].append(option_id)
    for pk in chosen:
        if facts[pk][1] == "ordering":
            key_order = list(options[pk])
            rng.shuffle(options[pk])
            options[pk] = scoring.never_the_key("ordering", options[pk], key_order)
    return PracticeState(version_ids=chosen, option_orders=[options[pk] for pk in chosen])


def learn_next(state: PracticeState) -> list[Competence]:
    """The competences of the questions missed, most missed first."""
    missed: dict[int, int] = {}
    competence_of = dict(
        QuestionVersion.objects.filter(pk__in=state.version_ids).values_list("pk", "competence_id")
    )
    for version_id, right in zip(state.version_ids, state.results, strict=False):
        if not right:
            cid = competence_of[version_id]
            missed[cid] = missed.get(cid, 0) + 1
    competences = Competence.objects.in_bulk(list(missed))
    return [competences[c] for c in sorted(missed, key=lambda c: -missed[c])]
