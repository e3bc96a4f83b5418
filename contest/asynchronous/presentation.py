"""What a participant's device may see. Before an attempt is submitted (and the
contest's answer policy allows), nothing here carries which option is correct:
questions are built from the option text in the attempt's shuffled order only."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from contest.asynchronous.models import Attempt, AttemptQuestion, Contest
from question_banks.models import QuestionVersion


@dataclass(frozen=True)
class ShownOption:
    id: int
    text: str
    rank: int  # for ordering questions: the place it has now (as saved, or as shown)


@dataclass(frozen=True)
class ShownQuestion:
    position: int
    type: str
    stem: str
    image_url: str
    image_alt: str
    options: list[ShownOption]
    chosen: list[int] = field(default_factory=list)


def question_for_participant(question: AttemptQuestion) -> ShownQuestion:
    answer = getattr(question, "answer", None)
    return shown_question(
        question.version,
        question.option_order,
        position=question.position,
        chosen=list(answer.choice) if answer is not None else [],
    )


def shown_question(
    version: QuestionVersion, option_order: list[int], *, position: int, chosen: list[int]
) -> ShownQuestion:
    texts = {o.pk: o.text for o in version.options.all()}
    return ShownQuestion(
        position=position,
        type=version.type,
        stem=version.stem,
        image_url=version.image.url if version.image else "",
        image_alt=version.image_alt,
        options=[
            ShownOption(option_id, texts[option_id], _rank(option_id, index, chosen))
            for index, option_id in enumerate(option_order, start=1)
        ],
        chosen=chosen,
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
