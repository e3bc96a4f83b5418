"""Results and rankings as CSV and XLSX, in the shape an official report needs:
a title block (contest, generated at), one row per participant, masked phones."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from community.models import Participant
from contest import ranking
from contest.asynchronous.models import Contest, ContestAward

Table = tuple[list[str], list[list[object]]]


def ranking_table(contest: Contest, ranked: Sequence[ranking.Ranked]) -> Table:
    people = {
        p.pk: p
        for p in Participant.objects.filter(
            pk__in=[r.entry.participant_id for r in ranked]
        ).select_related("commune", "school")
    }
    prizes = dict(
        ContestAward.objects.filter(contest=contest, kind=ContestAward.Kind.PRIZE).values_list(
            "participant_id", "label"
        )
    )
    header = [
        _("Hạng"),
        _("Họ và tên"),
        _("Số điện thoại"),
        _("Xã, phường"),
        _("Trường"),
        _("Lớp"),
        _("Điểm"),
        _("Dự đoán"),
        _("Sai số dự đoán"),
        _("Thời gian làm bài (giây)"),
        _("Nộp bài lúc"),
        _("Giải"),
    ]
    rows: list[list[object]] = []
    for item in ranked:
        person = people[item.entry.participant_id]
        rows.append(
            [
                item.rank,
                person.full_name,
                person.masked_phone,
                person.commune.full_name,
                person.school.name if person.school else "",
                person.class_name,
                item.entry.score,
                item.entry.prediction if item.entry.prediction is not None else "",
                item.prediction_error if item.prediction_error is not None else "",
                round(item.entry.duration_seconds),
                timezone.localtime(item.entry.submitted_at).strftime("%d/%m/%Y %H:%M:%S"),
                prizes.get(person.pk, ""),
            ]
        )
    return header, rows


def collective_table(results: Sequence[ranking.GroupResult], unit_label: str) -> Table:
    header = [
        _("Hạng"),
        unit_label,
        _("Số người dự thi"),
        _("Số học sinh / dân số"),
        _("Tỉ lệ tham gia (%)"),
        _("Điểm trung bình"),
    ]
    rows: list[list[object]] = [
        [
            r.rank,
            r.group,
            r.participants,
            r.denominator if r.denominator is not None else "",
            round(100 * r.participation_rate, 2) if r.participation_rate is not None else "",
            round(r.average_score, 2),
        ]
        for r in results
    ]
    return header, rows


def _title(contest: Contest, what: str) -> list[list[object]]:
    generated = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    return [
        [f"{what}: {contest.title}"],
        [
            _("Thời gian: %(a)s – %(b)s")
            % {
                "a": timezone.localtime(contest.opens_at).strftime("%d/%m/%Y"),
                "b": timezone.localtime(contest.closes_at).strftime("%d/%m/%Y"),
            }
        ],
        [_("Lập lúc: %(t)s") % {"t": generated}],
        [],
    ]


def as_csv(contest: Contest, what: str, table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_title(contest, what))
    writer.writerow(table[0])
    writer.writerows(table[1])
    return buffer.getvalue().encode("utf-8-sig")  # Excel reads the BOM as UTF-8


def as_xlsx(contest: Contest, what: str, table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(what[:31])
    rows: list[list[object]] = [*_title(contest, what), list(table[0]), *table[1]]
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    # A name typed as "=..." must stay text, never become a formula.
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value
