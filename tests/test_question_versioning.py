"""A published question never changes; editing makes a new version."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from question_banks import services
from question_banks.models import ImmutableVersionError, Option, QuestionVersion

pytestmark = pytest.mark.django_db
Status = QuestionVersion.Status


def published(alice, bob, question_data):
    version = services.question_create(author=alice, data=question_data())
    services.question_submit(version=version, actor=alice)
    return services.question_approve(version=version, reviewer=bob)


def test_a_draft_is_edited_in_place(alice, question_data) -> None:
    version = services.question_create(author=alice, data=question_data())
    edited = services.question_edit(
        question=version.question, editor=alice, data=question_data(stem="Câu hỏi đã sửa?")
    )
    assert edited.pk == version.pk
    assert edited.number == 1
    assert QuestionVersion.objects.get(pk=version.pk).stem == "Câu hỏi đã sửa?"


def test_editing_a_published_question_creates_a_new_draft_version(
    alice, bob, question_data
) -> None:
    v1 = published(alice, bob, question_data)
    v2 = services.question_edit(
        question=v1.question, editor=alice, data=question_data(stem="Phiên bản hai?")
    )
    assert (v2.number, v2.status) == (2, Status.DRAFT)
    v1.refresh_from_db()
    assert (v1.status, v1.stem) == (Status.PUBLISHED, question_data().stem)
    assert [o.text for o in v1.options.all()] == [o.text for o in question_data().options]


def test_publishing_a_new_version_retires_the_old_one(alice, bob, question_data) -> None:
    v1 = published(alice, bob, question_data)
    v2 = services.question_edit(question=v1.question, editor=alice, data=question_data(stem="Mới?"))
    services.question_submit(version=v2, actor=alice)
    services.question_approve(version=v2, reviewer=bob)
    v1.refresh_from_db()
    assert v1.status == Status.RETIRED
    assert v1.question.published_version() == v2


def test_the_content_of_a_published_version_cannot_be_saved(alice, bob, question_data) -> None:
    version = QuestionVersion.objects.get(pk=published(alice, bob, question_data).pk)
    version.stem = "Sửa lén"
    with pytest.raises(ImmutableVersionError):
        version.save()
    option = Option.objects.filter(version=version).first()
    assert option is not None
    option.text = "Sửa lén"
    with pytest.raises(ImmutableVersionError):
        option.save()


def test_the_database_allows_one_published_version_per_question(alice, bob, question_data) -> None:
    v1 = published(alice, bob, question_data)
    v2 = services.question_edit(question=v1.question, editor=alice, data=question_data())
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionVersion.objects.filter(pk=v2.pk).update(status=Status.PUBLISHED)


def test_a_question_in_review_cannot_be_edited(alice, question_data) -> None:
    from django.core.exceptions import ValidationError

    version = services.question_create(author=alice, data=question_data())
    services.question_submit(version=version, actor=alice)
    with pytest.raises(ValidationError, match="đang chờ thẩm định"):
        services.question_edit(question=version.question, editor=alice, data=question_data())


def test_new_versions_start_uncalibrated_from_the_authors_estimate(alice, question_data) -> None:
    version = services.question_create(author=alice, data=question_data(difficulty=-1.5))
    assert version.irt_b == -1.5
    assert version.irt_a == 1.0
    assert not version.is_calibrated
