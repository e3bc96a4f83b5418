"""Reading the question bank: filtered lists and versions as plain QuestionData."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from question_banks.models import QuestionVersion
from question_banks.question_data import OptionData, QuestionData, TranslationData


def versions_latest(
    *,
    status: str = "",
    competence: str = "",
    target_group: str = "",
    tag: str = "",
    type: str = "",
    search: str = "",
) -> QuerySet[QuestionVersion]:
    """The newest version of each question, filtered; what authors and reviewers browse."""
    newest = (
        QuestionVersion.objects.filter(question=OuterRef("question"))
        .order_by("-number")
        .values("number")[:1]
    )
    versions = QuestionVersion.objects.filter(number=Subquery(newest))
    return _filtered(versions, status, competence, target_group, tag, type, search)


def versions_published(
    *, competence: str = "", target_group: str = "", tag: str = "", type: str = "", search: str = ""
) -> QuerySet[QuestionVersion]:
    versions = QuestionVersion.objects.filter(status=QuestionVersion.Status.PUBLISHED)
    return _filtered(versions, "", competence, target_group, tag, type, search)


def _filtered(
    versions: QuerySet[QuestionVersion],
    status: str,
    competence: str,
    target_group: str,
    tag: str,
    type: str,
    search: str,
) -> QuerySet[QuestionVersion]:
    if status:
        versions = versions.filter(status=status)
    if competence:
        versions = versions.filter(competence__code=competence)
    if target_group:
        versions = versions.filter(target_groups__code=target_group)
    if tag:
        versions = versions.filter(tags__slug=tag)
    if type:
        versions = versions.filter(type=type)
    if search:
        versions = versions.filter(Q(stem__icontains=search) | Q(question__key__icontains=search))
    return (
        versions.distinct()
        .select_related("question", "competence", "author")
        .prefetch_related("options", "target_groups", "tags")
        .order_by("question__key")
    )


def question_data_from_version(version: QuestionVersion) -> QuestionData:
    return QuestionData(
        key=version.question.key,
        type=version.type,
        stem=version.stem,
        options=[OptionData(o.text, o.is_correct) for o in version.options.all()],
        explanation=version.explanation,
        competence=version.competence.code,
        difficulty=version.difficulty_estimate,
        target_groups=[g.code for g in version.target_groups.all()],
        tags=[t.slug for t in version.tags.all()],
        low_literacy=version.low_literacy,
        as_of=version.as_of,
        source=version.source,
        image_alt=version.image_alt,
        translations=[
            TranslationData(t.language, t.stem, list(t.options), t.explanation)
            for t in version.translations.all()
        ],
    )
