"""Starts in a busy contest share what does not change between them (the audience,
rounds, question pool and frozen question versions) and stay correct when an
organiser or an author changes any of it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from community.models import Commune
from contest.asynchronous import services
from contest.asynchronous.models import Contest
from question_banks.frozen_versions import frozen_versions
from question_banks.models import QuestionVersion
from tests.contest_fixtures import NOW, open_contest, person, publish_bank

pytestmark = pytest.mark.django_db


def start(contest: Contest, participant):
    return services.attempt_start(contest=contest, participant=participant, now=NOW)


def test_a_second_start_reads_only_what_is_its_own(django_assert_max_num_queries) -> None:
    publish_bank(12)
    contest = open_contest(draw_mode=Contest.DrawMode.SAME_FOR_ALL)
    first = start(contest, person())
    second_person = person("Vàng Thị Mỷ", "0912000002")
    # Savepoint and release (the test's transaction), the person's lock, their
    # attempts, the attempt and its questions: nothing about the contest or the bank.
    with django_assert_max_num_queries(6):
        second = start(contest, second_person)
    assert second.max_score == first.max_score == 5
    assert sorted(q.version_id for q in second.questions.all()) == sorted(
        q.version_id for q in first.questions.all()
    )


def test_an_audience_changed_after_starts_applies_to_the_next_start() -> None:
    publish_bank(12)
    contest = open_contest()
    assert start(contest, person()).is_open
    contest.communes.set(Commune.objects.filter(code="04252"))
    with pytest.raises(ValidationError, match="xã, phường"):
        start(contest, person("Vàng Thị Mỷ", "0912000002"))


def test_a_question_published_after_starts_joins_the_pool() -> None:
    publish_bank(5)
    contest = open_contest(questions_per_attempt=6, draw_mode=Contest.DrawMode.PER_PARTICIPANT)
    with pytest.raises(ValidationError, match="chưa đủ câu"):
        start(contest, person())
    publish_bank(1, prefix="late")
    attempt = start(contest, person())
    assert attempt.questions.count() == 6


def test_draft_versions_are_never_kept() -> None:
    draft = publish_bank(1)[0]
    draft.status = QuestionVersion.Status.DRAFT
    draft.save(update_fields=["status"])
    frozen_versions([draft.pk])
    draft.stem = "Nội dung đã sửa?"
    draft.save(update_fields=["stem"])
    assert frozen_versions([draft.pk])[draft.pk].stem == "Nội dung đã sửa?"


def test_frozen_versions_come_with_their_options(django_assert_num_queries) -> None:
    version = publish_bank(1)[0]
    frozen_versions([version.pk])
    with django_assert_num_queries(0):
        kept = frozen_versions([version.pk])[version.pk]
        assert [o.text for o in kept.options.all()] == ["Sai một", "Đúng", "Sai hai"]
