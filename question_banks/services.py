"""Writing to the question bank: create and edit versions, the review workflow
(draft → in review → published → retired) and translations.

Published content never changes: editing a published question makes a new draft
version, and publishing it retires the one before.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import TargetGroup
from question_banks.models import (
    Competence,
    Option,
    Question,
    QuestionVersion,
    ReviewComment,
    Tag,
    Translation,
)
from question_banks.question_data import QuestionData, TranslationData, validate

User = AuthUser | AnonymousUser
Status = QuestionVersion.Status


def competence_codes() -> set[str]:
    return set(Competence.objects.values_list("code", flat=True))


def question_data_check(data: QuestionData, *, has_image: bool) -> None:
    errors = validate(data, competence_codes=competence_codes(), has_image=has_image)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def question_create(
    *, author: User | None, data: QuestionData, image: File | None = None
) -> QuestionVersion:
    question_data_check(data, has_image=image is not None)
    if data.key and Question.objects.filter(key=data.key).exists():
        raise ValidationError(_("Mã câu hỏi “%(key)s” đã tồn tại.") % {"key": data.key})
    user = _real_user(author)
    question = Question.objects.create(key=data.key or _next_key(), created_by=user)
    version = QuestionVersion(question=question, number=1, author=user)
    _fill_version(version, data, image)
    return version


@transaction.atomic
def question_edit(
    *, question: Question, editor: User | None, data: QuestionData, image: File | None = None
) -> QuestionVersion:
    """Edit the draft in place, or start a new draft version from a published one."""
    latest = (
        QuestionVersion.objects.select_for_update()
        .filter(question=question)
        .order_by("-number")
        .first()
    )
    assert latest is not None
    if latest.status == Status.IN_REVIEW:
        raise ValidationError(_("Câu hỏi đang chờ thẩm định; hãy đợi kết quả rồi mới sửa."))
    keeps_image = bool(latest.image) and image is None
    question_data_check(data, has_image=image is not None or keeps_image)
    if latest.status == Status.DRAFT:
        version = latest
    else:
        version = QuestionVersion(
            question=question, number=latest.number + 1, author=_real_user(editor)
        )
        if keeps_image:
            version.image = latest.image
    _fill_version(version, data, image)
    return version


def _fill_version(version: QuestionVersion, data: QuestionData, image: File | None) -> None:
    version.type = data.type
    version.stem = data.stem.strip()
    version.explanation = data.explanation.strip()
    version.competence = Competence.objects.get(code=data.competence)
    version.difficulty_estimate = data.difficulty
    version.low_literacy = data.low_literacy
    version.as_of = data.as_of
    version.source = data.source
    version.image_alt = data.image_alt
    if version.irt_calibrated_at is None:
        # Until responses calibrate it, the author's estimate is the Rasch difficulty.
        version.irt_b = data.difficulty
    if image is not None:
        version.image.save(image.name or "image", image, save=False)
    version.save()
    version.options.all().delete()
    Option.objects.bulk_create(
        Option(version=version, position=i, text=o.text.strip(), is_correct=o.correct)
        for i, o in enumerate(data.options, start=1)
    )
    version.target_groups.set(TargetGroup.objects.filter(code__in=data.target_groups))
    version.tags.set([Tag.objects.get_or_create(slug=slug)[0] for slug in data.tags])
    for translation in data.translations:
        translation_save(version=version, data=translation, actor=None)
    if data.enemies:
        version.question.enemies.add(*Question.objects.filter(key__in=data.enemies))


@transaction.atomic
def question_submit(*, version: QuestionVersion, actor: User) -> QuestionVersion:
    version = _locked(version)
    if version.status != Status.DRAFT:
        raise ValidationError(_("Chỉ bản nháp mới gửi thẩm định được."))
    version.status = Status.IN_REVIEW
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    ReviewComment.objects.create(
        version=version, author=_real_user(actor), body=_("Gửi thẩm định.")
    )
    return version


@transaction.atomic
def question_approve(
    *, version: QuestionVersion, reviewer: User, comment: str = ""
) -> QuestionVersion:
    version = _locked(version)
    _check_reviewer(version, reviewer)
    if version.status != Status.IN_REVIEW:
        raise ValidationError(_("Chỉ câu hỏi đang chờ thẩm định mới được duyệt."))
    now = timezone.now()
    previous = QuestionVersion.objects.filter(question=version.question, status=Status.PUBLISHED)
    previous.update(status=Status.RETIRED, retired_at=now)
    version.status = Status.PUBLISHED
    version.published_at = now
    version.reviewed_by = _real_user(reviewer)
    version.save(update_fields=["status", "published_at", "reviewed_by"])
    ReviewComment.objects.create(
        version=version,
        author=version.reviewed_by,
        decision=ReviewComment.Decision.APPROVE,
        body=comment,
    )
    return version


@transaction.atomic
def question_request_changes(
    *, version: QuestionVersion, reviewer: User, comment: str
) -> QuestionVersion:
    version = _locked(version)
    _check_reviewer(version, reviewer)
    if version.status != Status.IN_REVIEW:
        raise ValidationError(_("Chỉ câu hỏi đang chờ thẩm định mới được trả lại."))
    if not comment.strip():
        raise ValidationError(_("Hãy ghi rõ cần sửa gì để người soạn biết."))
    version.status = Status.DRAFT
    version.save(update_fields=["status"])
    ReviewComment.objects.create(
        version=version,
        author=_real_user(reviewer),
        decision=ReviewComment.Decision.REQUEST_CHANGES,
        body=comment,
    )
    return version


@transaction.atomic
def question_retire(*, version: QuestionVersion, actor: User, reason: str) -> QuestionVersion:
    version = _locked(version)
    if not actor.has_perm("question_banks.review_question"):
        raise PermissionDenied(_("Chỉ người thẩm định mới được ngừng sử dụng câu hỏi."))
    if version.status != Status.PUBLISHED:
        raise ValidationError(_("Chỉ câu hỏi đã xuất bản mới ngừng sử dụng được."))
    version.status = Status.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    ReviewComment.objects.create(
        version=version,
        author=_real_user(actor),
        decision=ReviewComment.Decision.RETIRE,
        body=reason,
    )
    return version


def question_comment(*, version: QuestionVersion, author: User, body: str) -> ReviewComment:
    if not body.strip():
        raise ValidationError(_("Nhận xét không được để trống."))
    return ReviewComment.objects.create(version=version, author=_real_user(author), body=body)


def translation_save(
    *, version: QuestionVersion, data: TranslationData, actor: User | None
) -> Translation:
    """Translations are not the source text, so they may change on any version;
    every change sends the translation back for review by a native speaker."""
    if data.language == "vi":
        raise ValidationError(_("Tiếng Việt là ngôn ngữ gốc, không phải bản dịch."))
    if len(data.options) != version.options.count():
        raise ValidationError(
            _("Bản dịch phải có đúng %(n)d phương án.") % {"n": version.options.count()}
        )
    translation, _created = Translation.objects.update_or_create(
        version=version,
        language=data.language,
        defaults={
            "stem": data.stem,
            "options": data.options,
            "explanation": data.explanation,
            "review_state": Translation.ReviewState.NEEDS_REVIEW,
            "reviewed_by": None,
        },
    )
    return translation


def translation_mark_reviewed(*, translation: Translation, reviewer: User) -> Translation:
    if not reviewer.has_perm("question_banks.review_question"):
        raise PermissionDenied(_("Chỉ người thẩm định mới duyệt được bản dịch."))
    translation.review_state = Translation.ReviewState.REVIEWED
    translation.reviewed_by = _real_user(reviewer)
    translation.save(update_fields=["review_state", "reviewed_by", "updated_at"])
    return translation


def _check_reviewer(version: QuestionVersion, reviewer: User) -> None:
    if not reviewer.has_perm("question_banks.review_question"):
        raise PermissionDenied(_("Bạn không có quyền thẩm định câu hỏi."))
    if version.author_id is not None and version.author_id == reviewer.pk:
        raise PermissionDenied(_("Không được tự thẩm định câu hỏi do chính mình soạn."))


def _locked(version: QuestionVersion) -> QuestionVersion:
    return QuestionVersion.objects.select_for_update().get(pk=version.pk)


def _real_user(user: User | None) -> AuthUser | None:
    return user if isinstance(user, AuthUser) else None


def _next_key() -> str:
    return f"q-{uuid.uuid4().hex[:12]}"
