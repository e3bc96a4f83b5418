"""The starter bank shipped with the platform: enough, valid, varied and loadable."""

from __future__ import annotations

from collections import Counter

import pytest

from question_banks import starter_bank
from question_banks.models import Question, QuestionVersion

pytestmark = pytest.mark.django_db


def test_the_shipped_files_have_no_problems() -> None:
    assert starter_bank.problems() == []


def test_it_has_at_least_300_questions_and_60_english_translations() -> None:
    entries = starter_bank.entries()
    assert len(entries) >= 300
    assert sum(1 for e in entries if "en" in e.get("translations", {})) >= 60


def test_it_covers_every_question_type_and_target_group() -> None:
    entries = starter_bank.entries()
    types = Counter(e["type"] for e in entries)
    assert set(types) == {"single", "multiple", "true_false", "ordering", "image"}
    groups = Counter(g for e in entries for g in e["target_groups"])
    assert all(groups[g] >= 20 for g in ("resident", "student", "worker", "public_servant"))


def test_every_placement_area_has_easy_warm_up_items() -> None:
    from question_banks.models import Competence

    area_of = dict(Competence.objects.values_list("code", "placement_area"))
    easy = Counter(
        area_of[e["competence"]]
        for e in starter_bank.entries()
        if "resident" in e["target_groups"] and e["difficulty"] <= -1.0
    )
    for area in ("A0", "A2", "A4", "A5", "A6"):
        assert easy[area] >= 3, area


def test_every_entry_names_a_source_and_a_date() -> None:
    for entry in starter_bank.entries():
        assert entry["source"].strip(), entry["key"]
        assert entry["as_of"], entry["key"]


def test_loading_publishes_everything_once() -> None:
    added = starter_bank.load()
    assert added == len(starter_bank.entries())
    assert QuestionVersion.objects.filter(status="published").count() == added
    assert starter_bank.load() == 0
    image = QuestionVersion.objects.filter(type="image").first()
    assert image is not None and image.image.name.endswith(".svg") and image.image_alt
    with_enemies = Question.objects.filter(enemies__isnull=False).distinct().count()
    assert with_enemies > 0
