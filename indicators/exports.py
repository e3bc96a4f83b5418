"""The periodic report as CSV and XLSX: a title block (report, period, generation time,
denominator notes), one row per commune or ward, columns per indicator, a totals row."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from indicators import counting
from indicators.models import IndicatorDefinition
from indicators.selectors import CommuneRow, IndicatorValue

Table = tuple[list[str], list[list[object]]]


def period_label(period: counting.Period) -> str:
    if period.kind == "quarter":
        return _("Quý %(n)s năm %(y)s") % {"n": period.number, "y": period.year}
    if period.kind == "half":
        return _("6 tháng %(half)s năm %(y)s") % {
            "half": _("đầu") if period.number == 1 else _("cuối"),
            "y": period.year,
        }
    if period.kind == "year":
        return _("Năm %(y)s") % {"y": period.year}
    return _("Lũy kế từ đầu kế hoạch")


def report_title(period: counting.Period) -> str:
    titles = {
        "quarter": _("Báo cáo quý"),
        "half": _("Báo cáo 6 tháng"),
        "year": _("Báo cáo năm"),
        "all": _("Báo cáo lũy kế"),
    }
    return titles[period.kind]


def _has_rate(definition: IndicatorDefinition) -> bool:
    return definition.measure != IndicatorDefinition.Measure.COUNT


def report_table(
    rows: list[CommuneRow], total: list[IndicatorValue], defs: list[IndicatorDefinition]
) -> Table:
    header = [_("Mã đơn vị"), _("Xã, phường")]
    for d in defs:
        header.append(_("%(name)s — số người") % {"name": d.name})
        if _has_rate(d):
            unit = "%" if d.measure == IndicatorDefinition.Measure.PERCENT else _("người/TNV")
            header.append(_("%(name)s — %(unit)s") % {"name": d.name, "unit": unit})
    body: list[list[object]] = []
    for row in rows:
        body.append([row.commune.code, row.commune.full_name, *_cells(row.values)])
    body.append(["", _("Toàn tỉnh"), *_cells(total)])
    return header, body


def _cells(values: list[IndicatorValue]) -> list[object]:
    cells: list[object] = []
    for v in values:
        cells.append(v.count)
        if _has_rate(v.definition):
            cells.append("" if v.value is None else v.value)
    return cells


def _title(period: counting.Period, total: list[IndicatorValue]) -> list[list[object]]:
    generated = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    lines: list[list[object]] = [
        [
            _("%(title)s về phong trào Bình dân học vụ số tỉnh Lào Cai")
            % {"title": report_title(period)}
        ],
        [
            _("Kỳ báo cáo: %(label)s (số liệu tại thời điểm cuối kỳ, đến %(end)s)")
            % {"label": period_label(period), "end": period.end_date().strftime("%d/%m/%Y")}
        ],
        [_("Lập lúc: %(t)s") % {"t": generated}],
    ]
    for v in total:
        if v.definition.needs_recount:
            lines.append(
                [
                    _("Chỉ tiêu “%(name)s” đang chờ tính lại theo quy tắc mới.")
                    % {"name": v.definition.name}
                ]
            )
        if v.denominator is not None and v.denominator.is_estimate:
            lines.append(
                [
                    _("Mẫu số ước tính (%(name)s): %(value)s — %(source)s")
                    % {
                        "name": v.definition.name,
                        "value": v.denominator.value,
                        "source": v.denominator.source,
                    }
                ]
            )
    lines.append([])
    return lines


def as_csv(period: counting.Period, total: list[IndicatorValue], table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_title(period, total))
    writer.writerow(table[0])
    writer.writerows(table[1])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(period: counting.Period, total: list[IndicatorValue], table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(period.code)
    rows: list[list[object]] = [*_title(period, total), list(table[0]), *table[1]]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
