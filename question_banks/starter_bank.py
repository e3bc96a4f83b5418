"""The starter bank shipped in starter_bank/*.json: read, check and publish it.

Its questions were reviewed in the repository, so loading publishes them directly
(recorded in each version's review log); loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from question_banks import services
from question_banks.models import Question, QuestionVersion, ReviewComment
from question_banks.question_data import OptionData, QuestionData, TranslationData, validate

BANK_DIR = Path(__file__).resolve().parent / "starter_bank"
MEDIA_DIR = BANK_DIR / "media"


def entries() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(BANK_DIR.glob("*.json")):
        found += json.loads(path.read_text(encoding="utf-8"))["questions"]
    return found


def question_data(entry: dict[str, Any]) -> QuestionData:
    return QuestionData(
        key=entry["key"],
        type=entry["type"],
        stem=entry["stem"],
        options=[OptionData(o["text"], bool(o.get("correct", False))) for o in entry["options"]],
        explanation=entry["explanation"],
        competence=entry["competence"],
        difficulty=float(entry["difficulty"]),
        target_groups=list(entry["target_groups"]),
        tags=list(entry.get("tags", [])),
        low_literacy=bool(entry.get("low_literacy", False)),
        as_of=dt.date.fromisoformat(entry["as_of"]) if entry.get("as_of") else None,
        source=entry.get("source", ""),
        image_alt=entry.get("image_alt", ""),
        translations=[
            TranslationData(lang, t["stem"], list(t["options"]), t.get("explanation", ""))
            for lang, t in entry.get("translations", {}).items()
        ],
    )


def problems() -> list[str]:
    """Everything wrong with the shipped files, checked without touching the database."""
    from question_banks.models import Competence

    codes = set(Competence.objects.values_list("code", flat=True))
    seen: set[str] = set()
    found: list[str] = []
    for entry in entries():
        data = question_data(entry)
        has_image = bool(entry.get("image")) and (MEDIA_DIR / entry.get("image", "")).is_file()
        found += [
            f"{data.key}: {m}" for m in validate(data, competence_codes=codes, has_image=has_image)
        ]
        if data.key in seen:
            found.append(f"{data.key}: duplicate key")
        seen.add(data.key)
    return found


@transaction.atomic
def load() -> int:
    """Publish every shipped question not yet in the bank; return how many were added."""
    all_entries = entries()
    existing = set(Question.objects.values_list("key", flat=True))
    added = 0
    for entry in all_entries:
        if entry["key"] in existing:
            continue
        data = question_data(entry)
        data.enemies = []  # linked below, once every question exists
        image = None
        if entry.get("image"):
            image = File((MEDIA_DIR / entry["image"]).open("rb"), name=entry["image"])
        version = services.question_create(author=None, data=data, image=image)
        _publish(version)
        added += 1
    for entry in all_entries:
        if entry.get("enemies"):
            question = Question.objects.get(key=entry["key"])
            question.enemies.add(*Question.objects.filter(key__in=entry["enemies"]))
    return added


def _publish(version: QuestionVersion) -> None:
    version.status = QuestionVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    ReviewComment.objects.create(
        version=version,
        decision=ReviewComment.Decision.APPROVE,
        body="Ngân hàng câu hỏi khởi đầu, đã thẩm định trong kho mã nguồn.",
    )
