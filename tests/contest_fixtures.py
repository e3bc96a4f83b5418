"""Helpers for contest tests: a small published bank and an open contest."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from community.models import Commune, Participant, TargetGroup
from contest.asynchronous.models import Contest
from question_banks import services
from question_banks.models import QuestionVersion
from question_banks.question_data import OptionData, QuestionData

NOW = timezone.now()


def publish_bank(size: int = 12, *, prefix: str = "bank") -> list[QuestionVersion]:
    """`size` single-choice questions; option 2 is always the key; difficulty rises."""
    versions = []
    for i in range(size):
        data = QuestionData(
            key=f"{prefix}-{i:03d}",
            type="single",
            stem=f"Câu hỏi số {i}?",
            options=[OptionData("Sai một"), OptionData("Đúng", True), OptionData("Sai hai")],
            explanation="Vì đó là đáp án đúng.",
            competence="4.2" if i % 2 else "2.6",
            target_groups=["resident", "student"],
            difficulty=-2.0 + 4.0 * i / max(size - 1, 1),
            tags=["even" if i % 2 == 0 else "odd"],
        )
        version = services.question_create(author=None, data=data)
        version.status = QuestionVersion.Status.PUBLISHED
        version.save(update_fields=["status"])
        versions.append(version)
    return versions


def open_contest(**overrides: object) -> Contest:
    fields: dict[str, object] = {
        "title": "Cuộc thi tìm hiểu kỹ năng số",
        "slug": "tim-hieu-ky-nang-so",
        "status": Contest.Status.PUBLISHED,
        "opens_at": NOW - dt.timedelta(days=1),
        "closes_at": NOW + dt.timedelta(days=6),
        "questions_per_attempt": 5,
        "duration_minutes": 15,
        "answer_policy": Contest.AnswerPolicy.AFTER_SUBMIT,
    }
    fields.update(overrides)
    return Contest.objects.create(**fields)


def person(name: str = "Giàng A Lử", phone: str = "0912000001", **overrides: object) -> Participant:
    participant = Participant(
        full_name=name,
        phone=phone,
        commune=Commune.objects.get(code=str(overrides.pop("commune", "02647"))),
        target_group=TargetGroup.objects.get(code=str(overrides.pop("group", "resident"))),
        **overrides,
    )
    participant.save()
    return participant


def key_choice(attempt_question) -> list[int]:
    """The right answer for a drawn question (tests only; never on a device)."""
    return [o.pk for o in attempt_question.version.options.all() if o.is_correct]


def wrong_choice(attempt_question) -> list[int]:
    return [next(o.pk for o in attempt_question.version.options.all() if not o.is_correct)]
