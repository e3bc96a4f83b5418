"""A question's content as plain data, and the rules every source of questions
(forms, API, CSV/XLSX/Moodle import, the starter bank) checks it against.

Pure Python: errors come back as Vietnamese messages, so an import can number
them by row and a form can show them beside the field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

TYPES = ("single", "multiple", "true_false", "ordering", "image")
TARGET_GROUPS = ("resident", "student", "worker", "public_servant")
TRUE_FALSE_TEXTS = ("Đúng", "Sai")
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
MAX_OPTIONS = 6


@dataclass
class OptionData:
    text: str
    correct: bool = False


@dataclass
class TranslationData:
    language: str
    stem: str
    options: list[str]
    explanation: str = ""


@dataclass
class QuestionData:
    type: str
    stem: str
    options: list[OptionData]
    explanation: str
    competence: str
    target_groups: list[str]
    key: str = ""
    difficulty: float = 0.0
    tags: list[str] = field(default_factory=list)
    low_literacy: bool = False
    as_of: dt.date | None = None
    source: str = ""
    image_alt: str = ""
    enemies: list[str] = field(default_factory=list)
    translations: list[TranslationData] = field(default_factory=list)


def validate(data: QuestionData, *, competence_codes: set[str], has_image: bool) -> list[str]:
    """Every problem with `data`, as Vietnamese sentences; empty when it is valid."""
    errors: list[str] = []
    if data.key and not KEY_PATTERN.match(data.key):
        errors.append(_("Mã câu hỏi chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang."))
    if data.type not in TYPES:
        errors.append(_("Loại câu hỏi “%(type)s” không hợp lệ.") % {"type": data.type})
        return errors
    if not data.stem.strip():
        errors.append(_("Thiếu nội dung câu hỏi."))
    if not data.explanation.strip():
        errors.append(_("Thiếu phần giải thích đáp án."))
    if data.competence not in competence_codes:
        errors.append(_("Mã năng lực “%(code)s” không có trong khung.") % {"code": data.competence})
    errors += _validate_target_groups(data.target_groups)
    errors += _validate_options(data)
    if not -4.0 <= data.difficulty <= 4.0:
        errors.append(_("Độ khó phải nằm trong khoảng từ -4 đến 4."))
    bad_tags = [t for t in data.tags if not TAG_PATTERN.match(t)]
    if bad_tags:
        errors.append(_("Nhãn không hợp lệ: %(tags)s.") % {"tags": ", ".join(bad_tags)})
    if data.type == "image" and not has_image:
        errors.append(_("Câu hỏi hình ảnh cần có hình ảnh."))
    if data.type == "image" and not data.image_alt.strip():
        errors.append(_("Câu hỏi hình ảnh cần có mô tả hình ảnh cho người khiếm thị."))
    for translation in data.translations:
        if len(translation.options) != len(data.options):
            errors.append(
                _("Bản dịch %(lang)s phải có đúng %(n)d phương án.")
                % {"lang": translation.language, "n": len(data.options)}
            )
    return errors


def _validate_target_groups(groups: list[str]) -> list[str]:
    if not groups:
        return [_("Cần chọn ít nhất một nhóm đối tượng.")]
    unknown = [g for g in groups if g not in TARGET_GROUPS]
    if unknown:
        return [_("Nhóm đối tượng không hợp lệ: %(groups)s.") % {"groups": ", ".join(unknown)}]
    return []


def _validate_options(data: QuestionData) -> list[str]:
    options = data.options
    texts = [o.text.strip() for o in options]
    if not 2 <= len(options) <= MAX_OPTIONS:
        return [_("Câu hỏi cần từ 2 đến %(max)d phương án.") % {"max": MAX_OPTIONS}]
    if any(not t for t in texts):
        return [_("Có phương án để trống.")]
    if len(set(texts)) != len(texts):
        return [_("Có hai phương án trùng nhau.")]
    correct = sum(1 for o in options if o.correct)
    if data.type in ("single", "image") and correct != 1:
        return [_("Câu hỏi một đáp án phải có đúng 1 phương án đúng.")]
    if data.type == "multiple" and correct < 2:
        return [_("Câu hỏi nhiều đáp án phải có ít nhất 2 phương án đúng.")]
    if data.type == "true_false" and (tuple(texts) != TRUE_FALSE_TEXTS or correct != 1):
        return [_("Câu hỏi Đúng/Sai phải có hai phương án “Đúng”, “Sai” và một đáp án đúng.")]
    if data.type == "ordering" and correct:
        return [_("Câu hỏi sắp xếp không đánh dấu đáp án đúng; thứ tự nhập là thứ tự đúng.")]
    return []
