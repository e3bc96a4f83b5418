"""`{% read_aloud question %}`: the "Nghe câu hỏi" player for a question, or nothing
when no clip reads exactly the text shown. `question` is a QuestionVersion or a
question as a page shows it (type, stem, image_alt and options with id and text,
like contest.asynchronous.presentation.ShownQuestion); an optional language, or the
question's own `language`, says which text it is (Vietnamese by default)."""

from __future__ import annotations

import json
from typing import Any

from django import template

from question_banks.models import QuestionVersion
from question_banks.read_aloud.script import SpokenQuestion
from question_banks.read_aloud.services import clip_for, spoken_question

register = template.Library()


@register.inclusion_tag("question_banks/_read_aloud.html")
def read_aloud(question: Any, language: str = "") -> dict[str, Any]:
    language = language or getattr(question, "language", "") or "vi"
    if isinstance(question, QuestionVersion):
        spoken = spoken_question(question, language)
        option_ids = sorted(o.pk for o in question.options.all())
    else:
        options = sorted(question.options, key=lambda o: o.id)
        image_alt = question.image_alt if language == "vi" else ""
        texts = tuple(o.text for o in options)
        spoken = SpokenQuestion(question.type, question.stem, image_alt, texts)
        option_ids = [o.id for o in options]
    clip = clip_for(spoken, language) if spoken is not None else None
    if clip is None:
        return {"clip": None}
    # The clip counts options by rank; the page knows them by id, in its own order.
    cues = [[option_ids[rank], start, end] for rank, start, end in clip.cues]
    return {"clip": clip, "cues": json.dumps(cues)}
