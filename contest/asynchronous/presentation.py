"""What a participant's device may see. Before an attempt is submitted (and the
contest's answer policy allows), nothing here carries which option is correct:
questions are built from the option text in the attempt's shuffled order only.

A participant whose language has a reviewed translation of the question sees it,
with the Vietnamese original kept beside it (one tap away on the page); without
one, the Vietnamese original is shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from community.languages import bcp47
from contest.asynchronous.models import Attempt, AttemptQuestion, Contest
from contest.asynchronous.option_icons import option_icon
from question_banks.models import QuestionVersion, Translation


@dataclass(frozen=True)
class ShownOption:
    id: int
    text: str
    rank: int  # for ordering questions: the place it has now (as saved, or as shown)
    icon: str = ""
    original_text: str = ""  # the Vietnamese, when `text` is a translation


@dataclass(frozen=True)
class ShownQuestion:
    position: int
    type: str
    stem: str
    image_url: str
    image_alt: str
    options: list[ShownOption]
    chosen: list[int] = field(default_factory=list)
    language: str = "vi"  # the language of `stem` and the options' text
    original_stem: str = ""  # the Vietnamese, when `stem` is a translation

    @property
    def lang(self) -> str:
        """The language as a lang="…" value."""
        return bcp47(self.language)

    @property
    def translated(self) -> bool:
        return self.language != settings.LANGUAGE_CODE

    @property
    def icons(self) -> list[str]:
        return [o.icon for o in self.options if o.icon]


def question_for_participant(question: AttemptQuestion, *, language: str = "vi") -> ShownQuestion:
    answer = getattr(question, "answer", None)
    return shown_question(
        question.version,
        question.option_order,
        position=question.position,
        chosen=list(answer.choice) if answer is not None else [],
        language=language,
    )


def reviewed_translation(version: QuestionVersion, language: str) -> Translation | None:
    """The version in `language`, if a native speaker has reviewed it and it is whole
    (one text per option); None sends the page back to the Vietnamese original."""
    if language == settings.LANGUAGE_CODE:
        return None
    translation = Translation.objects.filter(
        version=version, language=language, review_state=Translation.ReviewState.REVIEWED
    ).first()
    if translation is None or not translation.stem.strip():
        return None
    options = translation.options
    count = len(version.options.all())
    if not isinstance(options, list) or len(options) != count or not all(options):
        return None
    return translation


def shown_question(
    version: QuestionVersion,
    option_order: list[int],
    *,
    position: int,
    chosen: list[int],
    language: str = "vi",
) -> ShownQuestion:
    options = sorted(version.options.all(), key=lambda o: o.position)
    texts = {o.pk: o.text for o in options}
    translation = reviewed_translation(version, language)
    # Translations list option texts in the author's order (Option.position).
    translated = (
        {o.pk: str(t) for o, t in zip(options, translation.options, strict=True)}
        if translation is not None
        else {}
    )
    given = {o.pk: getattr(o, "icon", "") or "" for o in options}
    shown_options = [
        ShownOption(
            option_id,
            translated.get(option_id, texts[option_id]),
            _rank(option_id, index, chosen),
            icon=option_icon(
                texts[option_id],
                question_type=version.type,
                low_literacy=version.low_literacy,
                given=given[option_id],
            ),
            original_text=texts[option_id] if translation is not None else "",
        )
        for index, option_id in enumerate(option_order, start=1)
    ]
    return ShownQuestion(
        position=position,
        type=version.type,
        stem=translation.stem if translation is not None else version.stem,
        image_url=version.image.url if version.image else "",
        image_alt=version.image_alt,
        options=shown_options,
        chosen=chosen,
        language=language if translation is not None else settings.LANGUAGE_CODE,
        original_stem=version.stem if translation is not None else "",
    )


def _rank(option_id: int, shown_at: int, chosen: list[int]) -> int:
    return chosen.index(option_id) + 1 if option_id in chosen else shown_at


def answers_visible(contest: Contest) -> bool:
    policy = contest.answer_policy
    if policy == Contest.AnswerPolicy.AFTER_SUBMIT:
        return True
    return policy == Contest.AnswerPolicy.AFTER_CLOSE and timezone.now() >= contest.closes_at


@dataclass(frozen=True)
class ReviewedQuestion:
    position: int
    stem: str
    chosen: list[str]
    correct: list[str]
    is_correct: bool | None
    explanation: str


def attempt_review(attempt: Attempt) -> list[ReviewedQuestion]:
    """The submitted attempt with keys and explanations; only for a closed attempt."""
    assert not attempt.is_open, "answers are never shown during an attempt"
    reviewed = []
    questions = attempt.questions.select_related("version", "answer").prefetch_related(
        "version__options"
    )
    for question in questions:
        options = list(question.version.options.all())
        texts = {o.pk: o.text for o in options}
        answer = getattr(question, "answer", None)
        reviewed.append(
            ReviewedQuestion(
                position=question.position,
                stem=question.version.stem,
                chosen=[texts[c] for c in answer.choice] if answer else [],
                correct=[
                    o.text for o in options if o.is_correct or question.version.type == "ordering"
                ],
                is_correct=answer.is_correct if answer else False,
                explanation=question.version.explanation,
            )
        )
    return reviewed
