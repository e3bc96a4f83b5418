"""Denominators: importing population, enrolment and staff figures per commune from CSV or
XLSX (all rows valid or nothing is written), and choosing the figure a page shows.

File columns (Vietnamese or English headers): `ma_xa`/`commune_code`, `loai`/`kind`
(adults, pupils, public_servants, workers), `so_luong`/`value`, and optionally
`uoc_tinh`/`is_estimate` (1/0, có/không). The source and the date of the figures are
given with the file and recorded on every row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from community.models import AuditEvent, Commune, Volunteer
from indicators.models import Denominator, DenominatorImport, DenominatorKind

HEADERS = {
    "ma_xa": "commune_code",
    "commune_code": "commune_code",
    "loai": "kind",
    "kind": "kind",
    "so_luong": "value",
    "value": "value",
    "uoc_tinh": "is_estimate",
    "is_estimate": "is_estimate",
}
TRUE_WORDS = {"1", "true", "có", "co", "x", "yes"}
FALSE_WORDS = {"", "0", "false", "không", "khong", "no"}
MAX_ROWS = 10_000
READ_ROWS = MAX_ROWS + 2  # the header, the rows allowed, and one to notice an excess
MAX_COLUMNS = 20
COMMUNE_COUNT = 99  # QĐ 19/2025/QĐ-TTg: 10 phường + 89 xã
VOLUNTEER_KINDS = (Volunteer.Kind.DIGITAL_AMBASSADOR, Volunteer.Kind.DIGITAL_NATIVE)


@dataclass(frozen=True, slots=True)
class Figure:
    """A denominator as a page shows it."""

    value: int
    is_estimate: bool
    source: str
    as_of: dt.date | None


# --- Import --------------------------------------------------------------------------


def _rows(name: str, content: bytes) -> list[list[str]]:
    if name.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationError(_("Không đọc được tệp XLSX.")) from exc
        if sheet is None:
            raise ValidationError(_("Tệp XLSX không có trang tính nào."))
        # Read no further than the row limit: a small file can unzip to a huge sheet.
        rows = itertools.islice(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), READ_ROWS)
        return [["" if cell is None else str(cell).strip() for cell in row] for row in rows]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("Tệp CSV phải dùng bảng mã UTF-8.")) from exc
    rows = itertools.islice(csv.reader(io.StringIO(text)), READ_ROWS)
    return [[cell.strip() for cell in row] for row in rows]


def _parse(rows: list[list[str]]) -> tuple[list[tuple[str, str, int, bool]], list[str]]:
    if not rows:
        return [], [_("Tệp trống.")]
    columns = [HEADERS.get(h.strip().lower(), "") for h in rows[0]]
    missing = {"commune_code", "kind", "value"} - set(columns)
    if missing:
        return [], [_("Thiếu cột: %(cols)s.") % {"cols": ", ".join(sorted(missing))}]
    if len(rows) - 1 > MAX_ROWS:
        return [], [_("Tệp có quá %(n)s dòng.") % {"n": MAX_ROWS}]
    communes = set(Commune.objects.values_list("code", flat=True))
    kinds = set(DenominatorKind.values)
    parsed: list[tuple[str, str, int, bool]] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        if not any(raw):
            continue
        cells = dict(zip(columns, raw, strict=False))
        code, kind = cells.get("commune_code", "").zfill(5), cells.get("kind", "").lower()
        problems = []
        if code not in communes:
            problems.append(_("mã xã, phường “%(code)s” không có") % {"code": code})
        if kind not in kinds:
            problems.append(_("loại mẫu số “%(kind)s” không hợp lệ") % {"kind": kind})
        value_text = cells.get("value", "").replace(".", "").replace(",", "").replace(" ", "")
        if not value_text.isdigit() or int(value_text) <= 0:
            problems.append(_("số lượng phải là số nguyên dương"))
        estimate_text = cells.get("is_estimate", "").lower()
        if estimate_text not in TRUE_WORDS | FALSE_WORDS:
            problems.append(_("cột ước tính chỉ nhận 1/0 hoặc có/không"))
        if (code, kind) in seen:
            problems.append(_("trùng với dòng %(row)s") % {"row": seen[(code, kind)]})
        seen.setdefault((code, kind), number)
        if problems:
            errors.append(
                _("Dòng %(row)s: %(problems)s.") % {"row": number, "problems": "; ".join(problems)}
            )
        else:
            parsed.append((code, kind, int(value_text), estimate_text in TRUE_WORDS))
    if not parsed and not errors:
        errors.append(_("Tệp không có dòng số liệu nào."))
    return parsed, errors


def denominators_import(
    *,
    file_name: str,
    content: bytes,
    source: str,
    as_of: dt.date,
    actor: AbstractBaseUser | AnonymousUser | None,
) -> DenominatorImport:
    """Check every row, then replace the figures the file gives (nothing on any error)."""
    if not source.strip():
        raise ValidationError(_("Cần ghi rõ nguồn số liệu."))
    parsed, errors = _parse(_rows(file_name, content))
    if errors:
        raise ValidationError(errors)
    user = actor if isinstance(actor, User) else None
    with transaction.atomic():
        batch = DenominatorImport.objects.create(
            file_name=file_name[:200],
            source=source[:300],
            as_of=as_of,
            rows=len(parsed),
            imported_by=user,
        )
        for code, kind, value, is_estimate in parsed:
            Denominator.objects.update_or_create(
                kind=kind,
                commune_id=code,
                defaults={
                    "value": value,
                    "is_estimate": is_estimate,
                    "source": source[:300],
                    "as_of": as_of,
                    "batch": batch,
                },
            )
        AuditEvent.objects.create(
            actor=user,
            action="denominators.imported",
            target=f"denominator_import:{batch.pk}",
            detail={"file": batch.file_name, "rows": batch.rows, "source": batch.source},
        )
    return batch


# --- Choosing the figure to show -----------------------------------------------------


def choose_figure(rows: list[Denominator], kind: str, commune: str | None) -> Figure | None:
    """A commune's own figure; for the province, the sum over communes once every commune
    has one, until then the provincial figure (an estimate unless the province set it)."""
    of_kind = [r for r in rows if r.kind == kind]
    if commune is not None:
        row = next((r for r in of_kind if r.commune_id == commune), None)
        return Figure(row.value, row.is_estimate, row.source, row.as_of) if row else None
    per_commune = [r for r in of_kind if r.commune_id is not None]
    if per_commune and len(per_commune) >= COMMUNE_COUNT:
        return Figure(
            sum(r.value for r in per_commune),
            any(r.is_estimate for r in per_commune),
            _("Tổng của các xã, phường"),
            max(r.as_of for r in per_commune),
        )
    row = next((r for r in of_kind if r.commune_id is None), None)
    return Figure(row.value, row.is_estimate, row.source, row.as_of) if row else None


@dataclass(frozen=True, slots=True)
class KindSummary:
    """How complete one kind of denominator is, for the upload page."""

    kind: str
    label: str
    communes: int  # communes with a figure of their own
    estimates: int  # of which marked as estimates
    province: Figure | None  # what the province pages divide by


def denominators_summary() -> list[KindSummary]:
    rows = list(Denominator.objects.all())
    summary = []
    for kind, label in DenominatorKind.choices:
        own = [r for r in rows if r.kind == kind and r.commune_id is not None]
        summary.append(
            KindSummary(
                kind,
                str(label),
                len(own),
                sum(1 for r in own if r.is_estimate),
                choose_figure(rows, kind, None),
            )
        )
    return summary


def province_figure(kind: str) -> Figure | None:
    return choose_figure(list(Denominator.objects.filter(kind=kind)), kind, None)


def volunteers_by_commune() -> dict[str, int]:
    counts: dict[str, int] = {}
    for code in Volunteer.objects.filter(kind__in=VOLUNTEER_KINDS).values_list(
        "commune_id", flat=True
    ):
        counts[code] = counts.get(code, 0) + 1
    return counts
