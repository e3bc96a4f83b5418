"""CSV and XLSX rows ↔ QuestionData. One row per question; officials edit these in Excel.

Columns: key, type, stem, option_1 … option_6, correct (option numbers, e.g. "2"
or "1,3"; empty for ordering, whose options are listed in the correct order),
explanation, competence, difficulty, target_groups, tags, low_literacy, as_of, source.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from question_banks.question_data import MAX_OPTIONS, OptionData, QuestionData

OPTION_COLUMNS = [f"option_{i}" for i in range(1, MAX_OPTIONS + 1)]
COLUMNS = [
    "key",
    "type",
    "stem",
    *OPTION_COLUMNS,
    "correct",
    "explanation",
    "competence",
    "difficulty",
    "target_groups",
    "tags",
    "low_literacy",
    "as_of",
    "source",
]
REQUIRED_COLUMNS = {"type", "stem", "option_1", "option_2", "explanation", "competence"}


class RowError(ValueError):
    """A row that cannot even be read as a question (bad number, bad date)."""


def rows_from_csv(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    text = content.decode("utf-8-sig")  # Excel writes a BOM
    reader = csv.DictReader(io.StringIO(text))
    _check_header(reader.fieldnames or [])
    for number, row in enumerate(reader, start=2):
        yield number, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def rows_from_xlsx(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    _check_header(header)
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        yield number, {h: _cell_text(v) for h, v in zip(header, values, strict=False) if h}


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(header: Sequence[str]) -> None:
    missing = REQUIRED_COLUMNS - {h.strip() for h in header}
    if missing:
        raise RowError(
            _("Dòng 1: thiếu cột %(cols)s. Hãy dùng tệp mẫu.")
            % {"cols": ", ".join(sorted(missing))}
        )


# Spreadsheet programs run a cell that starts with one of these as a formula;
# text cells are exported behind a quote and the quote is dropped on import.
FORMULA_STARTS = ("=", "+", "-", "@")
TEXT_COLUMNS = {"stem", "explanation", "source", *OPTION_COLUMNS}


def _defuse(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _restore(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def question_from_row(row: dict[str, str]) -> QuestionData:
    row = {k: _restore(v) if k in TEXT_COLUMNS else v for k, v in row.items()}
    qtype = row.get("type", "")
    texts = [row.get(c, "") for c in OPTION_COLUMNS]
    texts = [t for t in texts if t]
    correct = _parse_correct(row.get("correct", ""), len(texts))
    return QuestionData(
        key=row.get("key", ""),
        type=qtype,
        stem=row.get("stem", ""),
        options=[OptionData(text=t, correct=(i in correct)) for i, t in enumerate(texts, start=1)],
        explanation=row.get("explanation", ""),
        competence=row.get("competence", ""),
        difficulty=_parse_float(row.get("difficulty", "") or "0"),
        target_groups=_split(row.get("target_groups", "")),
        tags=_split(row.get("tags", "")),
        low_literacy=row.get("low_literacy", "").lower() in ("1", "true", "yes", "có", "x"),
        as_of=_parse_date(row.get("as_of", "")),
        source=row.get("source", ""),
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def _parse_correct(value: str, option_count: int) -> set[int]:
    numbers: set[int] = set()
    for part in _split(value):
        if not part.isdigit() or not 1 <= int(part) <= option_count:
            raise RowError(
                _("Cột correct: “%(v)s” không phải số thứ tự của một phương án.") % {"v": part}
            )
        numbers.add(int(part))
    return numbers


def _parse_float(value: str) -> float:
    try:
        return float(value.replace(",", "."))
    except ValueError as exc:
        raise RowError(_("Cột difficulty: “%(v)s” không phải là số.") % {"v": value}) from exc


def _parse_date(value: str) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError(_("Cột as_of: “%(v)s” không phải ngày (dd/mm/yyyy).") % {"v": value})


def row_from_question(data: QuestionData) -> dict[str, str]:
    row = {
        "key": data.key,
        "type": data.type,
        "stem": data.stem,
        "correct": ""
        if data.type == "ordering"
        else ",".join(str(i) for i, o in enumerate(data.options, start=1) if o.correct),
        "explanation": data.explanation,
        "competence": data.competence,
        "difficulty": f"{data.difficulty:g}",
        "target_groups": ",".join(data.target_groups),
        "tags": ",".join(data.tags),
        "low_literacy": "1" if data.low_literacy else "",
        "as_of": data.as_of.isoformat() if data.as_of else "",
        "source": data.source,
    }
    for column, option in zip(OPTION_COLUMNS, data.options, strict=False):
        row[column] = option.text
    return {c: _defuse(row.get(c, "")) if c in TEXT_COLUMNS else row.get(c, "") for c in COLUMNS}


def csv_from_questions(questions: Iterable[QuestionData]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for data in questions:
        writer.writerow(row_from_question(data))
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_from_questions(questions: Iterable[QuestionData]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("questions")
    sheet.append(COLUMNS)
    for data in questions:
        row = row_from_question(data)
        sheet.append([row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
