"""Moodle XML ↔ QuestionData, so banks move between this platform and Moodle.

Supported: multichoice (single and multiple), truefalse, and the widely used
`ordering` question type. Our metadata travels as Moodle tags:
`competence:4.2`, `group:resident`, `difficulty:-1.5`, `tag:vneid`, `key:vneid-007`.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from question_banks.question_data import OptionData, QuestionData

TRUE_FALSE = ("Đúng", "Sai")


class MoodleFormatError(ValueError):
    pass


def questions_from_moodle(content: bytes) -> Iterator[tuple[int, QuestionData]]:
    """Yield (question number, data); number counts real questions from 1."""
    try:
        root = SafeET.fromstring(content)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        raise MoodleFormatError(_("Tệp Moodle XML không đọc được: %(e)s") % {"e": exc}) from exc
    if root.tag != "quiz":
        raise MoodleFormatError(_("Tệp Moodle XML phải bắt đầu bằng thẻ <quiz>."))
    number = 0
    for element in root.findall("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            continue
        number += 1
        yield number, _question_from_element(element, qtype)


def _question_from_element(element: ET.Element, qtype: str) -> QuestionData:
    meta = _tags(element)
    answers = element.findall("answer")
    if qtype == "multichoice":
        single = _text(element, "single").lower() in ("true", "1")
        options = [OptionData(_html_text(a), float(a.get("fraction", "0")) > 0) for a in answers]
        our_type = "single" if single else "multiple"
    elif qtype == "truefalse":
        by_value = {_text(a, "text").lower(): float(a.get("fraction", "0")) > 0 for a in answers}
        options = [OptionData(TRUE_FALSE[0], by_value.get("true", False))]
        options.append(OptionData(TRUE_FALSE[1], by_value.get("false", False)))
        our_type = "true_false"
    elif qtype == "ordering":
        options = [OptionData(_html_text(a)) for a in answers]
        our_type = "ordering"
    else:
        our_type, options = qtype, []
    return QuestionData(
        key=meta.get("key", [""])[0],
        type=our_type,
        stem=_html_text(element.find("questiontext")),
        options=options,
        explanation=_html_text(element.find("generalfeedback")),
        competence=meta.get("competence", [""])[0],
        difficulty=_float(meta.get("difficulty", ["0"])[0]),
        target_groups=meta.get("group", []),
        tags=meta.get("tag", []),
    )


def _tags(element: ET.Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tag in element.findall("tags/tag"):
        name, _sep, value = _text(tag, "text").partition(":")
        if value:
            found.setdefault(name.strip(), []).append(value.strip())
    return found


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    child = element.find(path)
    return (child.text or "").strip() if child is not None else ""


def _html_text(element: ET.Element | None) -> str:
    raw = _text(element, "text")
    without_tags = re.sub(r"<br\s*/?>|</p>", "\n", raw)
    without_tags = re.sub(r"<[^>]+>", "", without_tags)
    return html.unescape(without_tags).strip()


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 99.0  # out of range on purpose: validation reports it with the row


def moodle_from_questions(questions: Iterable[QuestionData]) -> bytes:
    quiz = ET.Element("quiz")
    for data in questions:
        quiz.append(_element_from_question(data))
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8")


def _element_from_question(data: QuestionData) -> ET.Element:
    moodle_type = {"true_false": "truefalse", "ordering": "ordering"}.get(data.type, "multichoice")
    element = ET.Element("question", type=moodle_type)
    _add_text(element, "name", data.key or data.stem[:60])
    _add_text(element, "questiontext", html.escape(data.stem), fmt="html")
    _add_text(element, "generalfeedback", html.escape(data.explanation), fmt="html")
    if moodle_type == "multichoice":
        ET.SubElement(element, "single").text = "true" if data.type != "multiple" else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        correct_count = sum(o.correct for o in data.options) or 1
        for option in data.options:
            fraction = _fraction(option.correct, correct_count, data.type == "multiple")
            _add_answer(element, html.escape(option.text), fraction, fmt="html")
    elif moodle_type == "truefalse":
        right = next((o.text for o in data.options if o.correct), TRUE_FALSE[0])
        _add_answer(element, "true", "100" if right == TRUE_FALSE[0] else "0")
        _add_answer(element, "false", "100" if right == TRUE_FALSE[1] else "0")
    else:
        for option in data.options:
            _add_answer(element, html.escape(option.text), "1", fmt="html")
    tags = ET.SubElement(element, "tags")
    labels = [f"key:{data.key}", f"competence:{data.competence}", f"difficulty:{data.difficulty:g}"]
    labels += [f"group:{g}" for g in data.target_groups] + [f"tag:{t}" for t in data.tags]
    for label in labels:
        _add_text(tags, "tag", label)
    return element


def _fraction(correct: bool, correct_count: int, multiple: bool) -> str:
    if not correct:
        return "-100" if multiple else "0"
    return f"{100 / correct_count:.5g}" if multiple else "100"


def _add_text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> None:
    child = ET.SubElement(parent, tag, attrib={"format": fmt} if fmt else {})
    ET.SubElement(child, "text").text = text


def _add_answer(parent: ET.Element, text: str, fraction: str, fmt: str | None = None) -> None:
    attrib = {"fraction": fraction, **({"format": fmt} if fmt else {})}
    answer = ET.SubElement(parent, "answer", attrib=attrib)
    ET.SubElement(answer, "text").text = text
