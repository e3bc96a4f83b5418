"""Importing denominators: a good CSV or XLSX replaces the figures with source and date;
a file with any bad row is rejected whole with numbered Vietnamese messages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import Workbook

from community.models import AuditEvent, Commune
from indicators.denominators import denominators_import, province_figure
from indicators.models import Denominator

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 12, 31)


def load(content: bytes, name: str = "mau-so.csv"):
    return denominators_import(
        file_name=name, content=content, source="Niên giám thống kê 2025", as_of=AS_OF, actor=None
    )


def test_a_good_csv_is_imported_with_source_and_date() -> None:
    batch = load(b'ma_xa,loai,so_luong,uoc_tinh\n02647,adults,"35.120",0\n4252,pupils,8000,1\n')
    assert batch.rows == 2
    adults = Denominator.objects.get(kind="adults", commune_id="02647")
    assert (adults.value, adults.is_estimate, adults.source, adults.as_of) == (
        35120,
        False,
        "Niên giám thống kê 2025",
        AS_OF,
    )
    assert Denominator.objects.get(kind="pupils", commune_id="04252").is_estimate
    assert AuditEvent.objects.filter(action="denominators.imported").exists()


def test_a_good_xlsx_is_imported_and_replaces_earlier_figures() -> None:
    load(b"commune_code,kind,value\n02647,adults,100\n")
    book = Workbook()
    sheet = book.active
    sheet.append(["commune_code", "kind", "value"])
    sheet.append(["02647", "adults", 35000])
    buffer = io.BytesIO()
    book.save(buffer)
    load(buffer.getvalue(), "mau-so.xlsx")
    assert Denominator.objects.get(kind="adults", commune_id="02647").value == 35000


def test_a_file_with_any_bad_row_writes_nothing() -> None:
    content = (
        b"ma_xa,loai,so_luong\n02647,adults,100\n99999,adults,5\n"
        b"04252,children,-3\n02647,adults,7\n"
    )
    with pytest.raises(ValidationError) as caught:
        load(content)
    messages = caught.value.messages
    assert messages[0].startswith("Dòng 3:") and "99999" in messages[0]
    assert messages[1].startswith("Dòng 4:") and "children" in messages[1]
    assert "số nguyên dương" in messages[1]
    assert messages[2].startswith("Dòng 5:") and "trùng với dòng 2" in messages[2]
    assert not Denominator.objects.filter(commune__isnull=False).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "Tệp trống"),
        (b"ma_xa,so_luong\n02647,5\n", "a.csv", "Thiếu cột: kind"),
        (b"\xff\xfe\x00", "a.csv", "UTF-8"),
        (b"not a zip", "a.xlsx", "XLSX"),
    ],
)
def test_unreadable_files_are_rejected(content: bytes, name: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load(content, name)
    assert message in caught.value.messages[0]


def test_the_source_is_required() -> None:
    with pytest.raises(ValidationError):
        denominators_import(
            file_name="a.csv",
            content=b"ma_xa,loai,so_luong\n02647,adults,1\n",
            source=" ",
            as_of=AS_OF,
            actor=None,
        )


def test_the_province_uses_its_estimate_until_every_commune_has_a_figure(tmp_path) -> None:
    estimate = province_figure("adults")
    assert estimate is not None and estimate.is_estimate and estimate.value == 1_245_000
    lines = ["ma_xa,loai,so_luong"] + [
        f"{c},adults,1000" for c in Commune.objects.values_list("code", flat=True)
    ]
    path = tmp_path / "all.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    call_command(
        "indicators_import_denominators",
        str(path),
        "--source",
        "Cục Thống kê",
        "--as-of",
        "2025-12-31",
        stdout=io.StringIO(),
    )
    summed = province_figure("adults")
    assert summed is not None and summed.value == 99_000 and not summed.is_estimate


def test_a_sheet_past_the_row_limit_is_refused_without_reading_it_all(monkeypatch) -> None:
    from indicators import denominators

    monkeypatch.setattr(denominators, "MAX_ROWS", 3)
    monkeypatch.setattr(denominators, "READ_ROWS", 5)
    rows = "".join(f"02647,adults,{n}\n" for n in range(1, 1000))
    with pytest.raises(ValidationError) as caught:
        load(("ma_xa,loai,so_luong\n" + rows).encode())
    assert caught.value.messages == ["Tệp có quá 3 dòng."]
