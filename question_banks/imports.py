"""Importing and exporting question files (CSV, XLSX, Moodle XML).

An import is all or nothing: every row is read and checked first, and only a
file without a single error is written, in one transaction. Errors carry the
row (or question) number, in Vietnamese, so an official can fix the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from question_banks import services
from question_banks.interchange import moodle_xml, tabular
from question_banks.models import Question, QuestionVersion
from question_banks.question_data import QuestionData, validate
from question_banks.selectors import question_data_from_version

FORMATS = ("csv", "xlsx", "moodle")
MAX_QUESTIONS_PER_FILE = 5000


class ImportRejected(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int
    updated: int


def format_for_filename(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".xml"):
        return "moodle"
    raise ImportRejected([_("Chỉ nhận tệp .csv, .xlsx hoặc Moodle .xml.")])


def questions_import(*, content: bytes, fmt: str, author: services.User) -> ImportResult:
    parsed = _parse(content, fmt)
    label = _("Câu hỏi %(n)d") if fmt == "moodle" else _("Dòng %(n)d")
    errors: list[str] = []
    codes = services.competence_codes()
    seen: dict[str, int] = {}
    for number, data in parsed:
        prefix = label % {"n": number}
        if isinstance(data, str):
            errors.append(f"{prefix}: {data}")
            continue
        for message in validate(data, competence_codes=codes, has_image=False):
            errors.append(f"{prefix}: {message}")
        if data.key and data.key in seen:
            errors.append(
                f"{prefix}: "
                + _("mã “%(key)s” trùng với %(other)s.")
                % {"key": data.key, "other": label % {"n": seen[data.key]}}
            )
        if data.key:
            seen.setdefault(data.key, number)
    if not parsed:
        errors.append(_("Tệp không có câu hỏi nào."))
    if len(parsed) > MAX_QUESTIONS_PER_FILE:
        errors.append(_("Mỗi tệp tối đa %(n)d câu hỏi.") % {"n": MAX_QUESTIONS_PER_FILE})
    if errors:
        raise ImportRejected(errors)
    return _write([d for _n, d in parsed if isinstance(d, QuestionData)], author)


def _parse(content: bytes, fmt: str) -> list[tuple[int, QuestionData | str]]:
    """Every question with its number; a row that cannot be read becomes its message."""
    try:
        if fmt == "moodle":
            return list(moodle_xml.questions_from_moodle(content))
        rows = tabular.rows_from_csv(content) if fmt == "csv" else tabular.rows_from_xlsx(content)
        return list(_rows_to_questions(rows))
    except (tabular.RowError, moodle_xml.MoodleFormatError) as exc:
        raise ImportRejected([str(exc)]) from exc
    except UnicodeDecodeError as exc:
        raise ImportRejected([_("Tệp CSV phải được lưu với mã UTF-8.")]) from exc
    except Exception as exc:  # openpyxl raises many types for a file that is not XLSX
        if fmt == "xlsx":
            raise ImportRejected([_("Tệp không phải là bảng tính Excel (.xlsx) hợp lệ.")]) from exc
        raise


def _rows_to_questions(
    rows: Iterator[tuple[int, dict[str, str]]],
) -> Iterator[tuple[int, QuestionData | str]]:
    for number, row in rows:
        try:
            yield number, tabular.question_from_row(row)
        except tabular.RowError as exc:
            yield number, str(exc)


@transaction.atomic
def _write(questions: list[QuestionData], author: services.User) -> ImportResult:
    created = updated = 0
    for data in questions:
        existing = Question.objects.filter(key=data.key).first() if data.key else None
        try:
            if existing is None:
                services.question_create(author=author, data=data)
                created += 1
            else:
                services.question_edit(question=existing, editor=author, data=data)
                updated += 1
        except ValidationError as exc:
            # e.g. the question is in review right now; the whole file is rolled back.
            raise ImportRejected([f"{data.key}: {m}" for m in exc.messages]) from exc
    return ImportResult(created=created, updated=updated)


def questions_export(versions: Iterable[QuestionVersion], fmt: str) -> bytes:
    data = (question_data_from_version(v) for v in versions)
    if fmt == "csv":
        return tabular.csv_from_questions(data)
    if fmt == "xlsx":
        return tabular.xlsx_from_questions(data)
    if fmt == "moodle":
        return moodle_xml.moodle_from_questions(data)
    raise ValueError(fmt)


CONTENT_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "moodle": ("application/xml", "xml"),
}
