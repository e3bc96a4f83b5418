"""Draft → in review → published → retired, with comments and no self-approval."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from question_banks import services
from question_banks.models import QuestionVersion, ReviewComment

pytestmark = pytest.mark.django_db
Status = QuestionVersion.Status


def submitted(author, question_data):
    version = services.question_create(author=author, data=question_data())
    return services.question_submit(version=version, actor=author)


def test_a_reviewer_publishes_an_authors_question(alice, bob, question_data) -> None:
    version = services.question_approve(
        version=submitted(alice, question_data), reviewer=bob, comment="Tốt"
    )
    assert version.status == Status.PUBLISHED
    assert version.reviewed_by == bob
    assert version.published_at is not None
    decisions = list(version.comments.values_list("decision", flat=True))
    assert decisions == [ReviewComment.Decision.COMMENT, ReviewComment.Decision.APPROVE]


def test_an_author_cannot_approve_their_own_question(carol, question_data) -> None:
    version = submitted(carol, question_data)  # carol is author and reviewer
    with pytest.raises(PermissionDenied, match="tự thẩm định"):
        services.question_approve(version=version, reviewer=carol)
    with pytest.raises(PermissionDenied, match="tự thẩm định"):
        services.question_request_changes(version=version, reviewer=carol, comment="x")
    version.refresh_from_db()
    assert version.status == Status.IN_REVIEW


def test_an_author_without_the_reviewer_role_cannot_approve(alice, carol, question_data) -> None:
    version = submitted(carol, question_data)
    with pytest.raises(PermissionDenied):
        services.question_approve(version=version, reviewer=alice)


def test_a_draft_cannot_be_approved_without_review(alice, bob, question_data) -> None:
    version = services.question_create(author=alice, data=question_data())
    with pytest.raises(ValidationError, match="chờ thẩm định"):
        services.question_approve(version=version, reviewer=bob)


def test_requesting_changes_needs_a_comment_and_returns_the_draft(
    alice, bob, question_data
) -> None:
    version = submitted(alice, question_data)
    with pytest.raises(ValidationError, match="ghi rõ cần sửa gì"):
        services.question_request_changes(version=version, reviewer=bob, comment="  ")
    version = services.question_request_changes(
        version=version, reviewer=bob, comment="Phương án B quá dài."
    )
    assert version.status == Status.DRAFT
    assert [c.body for c in version.comments.all()][-1] == "Phương án B quá dài."


def test_retiring_needs_the_reviewer_role(alice, bob, question_data) -> None:
    version = services.question_approve(version=submitted(alice, question_data), reviewer=bob)
    with pytest.raises(PermissionDenied):
        services.question_retire(version=version, actor=alice, reason="cũ")
    version = services.question_retire(version=version, actor=bob, reason="Thông tin đã cũ")
    assert version.status == Status.RETIRED


def test_translations_go_back_to_review_when_changed(alice, bob, question_data) -> None:
    from question_banks.models import Translation
    from question_banks.question_data import TranslationData

    version = services.question_create(author=alice, data=question_data())
    data = TranslationData("en", "What should you do?", ["Send it", "Never share it", "Don't know"])
    translation = services.translation_save(version=version, data=data, actor=alice)
    assert translation.review_state == Translation.ReviewState.NEEDS_REVIEW
    services.translation_mark_reviewed(translation=translation, reviewer=bob)
    translation = services.translation_save(version=version, data=data, actor=alice)
    assert translation.review_state == Translation.ReviewState.NEEDS_REVIEW
    with pytest.raises(ValidationError, match="3 phương án"):
        services.translation_save(
            version=version, data=TranslationData("hmn", "Koj ua li cas?", ["a"]), actor=alice
        )
