"""The denominator upload page: provincial staff upload the CSV or XLSX the import
command takes; a good file replaces the figures and is audit-logged, a bad one is
refused whole with row-numbered Vietnamese errors, and nobody else may upload."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from community.models import AuditEvent
from community.roles import Role
from indicators import forms as indicator_forms
from indicators.models import Denominator, DenominatorImport
from tests.indicator_fixtures import cells, staff

pytestmark = pytest.mark.django_db
URL = "/chi-tieu/mau-so/"
LAO_CAI, YEN_BAI = "02647", "04252"
SOURCE = "Niên giám thống kê tỉnh Lào Cai 2025"
GOOD_CSV = b'ma_xa,loai,so_luong,uoc_tinh\n02647,adults,"35.120",0\n4252,pupils,8000,1\n'


@pytest.fixture
def tinh(db):
    return staff("tinh", Role.PROVINCIAL_ADMIN)


def upload(client, content: bytes, name: str = "mau-so.csv", **fields: str):
    data: dict[str, object] = {"source": SOURCE, "as_of": "2025-12-31", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    return client.post(URL, data)


def xlsx(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_url_is_stable() -> None:
    assert reverse("indicators_denominators") == URL


def test_the_page_shows_the_figures_in_use_and_their_estimates(client, tinh) -> None:
    client.force_login(tinh)
    page = client.get(URL).content.decode()
    assert 'type="file"' in page and 'type="date"' in page
    adults = cells(page, 'data-kind="adults"')
    assert adults[1:4] == ["0/99", "0", "1245000 ước tính"]
    assert cells(page, 'data-kind="workers"')[3] == "chưa có"
    assert "Chưa có lần nhập nào" in page


def test_a_good_csv_is_imported_with_source_date_and_uploader(client, tinh) -> None:
    client.force_login(tinh)
    response = upload(client, GOOD_CSV)
    assert response.status_code == 302 and response["Location"] == URL
    adults = Denominator.objects.get(kind="adults", commune_id=LAO_CAI)
    assert (adults.value, adults.is_estimate, adults.source, adults.as_of) == (
        35120,
        False,
        SOURCE,
        dt.date(2025, 12, 31),
    )
    assert Denominator.objects.get(kind="pupils", commune_id=YEN_BAI).is_estimate
    batch = DenominatorImport.objects.get()
    assert (batch.file_name, batch.rows, batch.imported_by) == ("mau-so.csv", 2, tinh)
    event = AuditEvent.objects.get(action="denominators.imported")
    assert event.actor == tinh and event.target == f"denominator_import:{batch.pk}"
    assert event.detail == {"file": "mau-so.csv", "rows": 2, "source": SOURCE}
    page = client.get(URL).content.decode()
    assert "Đã nhập 2 dòng mẫu số từ tệp mau-so.csv." in page
    assert cells(page, 'data-kind="adults"')[1:3] == ["1/99", "0"]
    assert "tinh" in page and SOURCE in page  # the import is listed with its uploader


def test_a_good_xlsx_replaces_earlier_figures(client, tinh) -> None:
    client.force_login(tinh)
    upload(client, GOOD_CSV)
    content = xlsx(["commune_code", "kind", "value"], ["02647", "adults", 36000])
    assert upload(client, content, "dan-so.xlsx", source="Cục Thống kê").status_code == 302
    adults = Denominator.objects.get(kind="adults", commune_id=LAO_CAI)
    assert (adults.value, adults.source) == (36000, "Cục Thống kê")
    assert Denominator.objects.filter(commune__isnull=False).count() == 2
    assert DenominatorImport.objects.count() == 2


def test_a_file_with_bad_rows_is_refused_whole_with_row_numbers(client, tinh) -> None:
    client.force_login(tinh)
    content = (
        b"ma_xa,loai,so_luong\n02647,adults,100\n99999,adults,5\n"
        b"04252,children,-3\n02647,adults,7\n"
    )
    response = upload(client, content, source="Báo cáo xã", as_of="2025-10-01")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tệp bị từ chối, không số liệu nào được lưu" in page
    assert "Dòng 3: mã xã, phường “99999” không có." in page
    assert "Dòng 4: loại mẫu số “children” không hợp lệ; số lượng phải là số nguyên dương." in page
    assert "Dòng 5: trùng với dòng 2." in page
    # Nothing is lost: what was typed stays in the form for the corrected file.
    assert 'value="Báo cáo xã"' in page and 'value="2025-10-01"' in page
    assert not Denominator.objects.filter(commune__isnull=False).exists()
    assert not DenominatorImport.objects.exists()
    assert not AuditEvent.objects.filter(action="denominators.imported").exists()


def test_a_bad_xlsx_row_is_numbered_like_the_sheet(client, tinh) -> None:
    client.force_login(tinh)
    content = xlsx(
        ["ma_xa", "loai", "so_luong"], ["02647", "adults", 10], ["02647", "workers", "nhiều"]
    )
    page = upload(client, content, "mau-so.xlsx").content.decode()
    assert "Dòng 3: số lượng phải là số nguyên dương." in page
    assert not Denominator.objects.filter(commune__isnull=False).exists()


@pytest.mark.parametrize(
    ("content", "name", "fields", "message"),
    [
        (GOOD_CSV, "mau-so.txt", {}, "Chỉ nhận tệp .csv hoặc .xlsx."),
        (GOOD_CSV, "mau-so.csv", {"source": "  "}, "bắt buộc"),
        (
            GOOD_CSV,
            "mau-so.csv",
            {"as_of": "2099-12-31"},
            "Ngày của số liệu không thể ở tương lai.",
        ),
        (GOOD_CSV, "mau-so.csv", {"as_of": "hôm qua"}, "Nhập một ngày hợp lệ."),
        (b"", "mau-so.csv", {}, "Tập tin được gửi là rỗng."),
        (b"ma_xa,loai,so_luong\n", "mau-so.csv", {}, "Tệp không có dòng số liệu nào."),
        (b"ma_xa,so_luong\n02647,5\n", "mau-so.csv", {}, "Thiếu cột: kind."),
        (b"\xff\xfe\x00", "mau-so.csv", {}, "Tệp CSV phải dùng bảng mã UTF-8."),
        (b"not a zip", "mau-so.xlsx", {}, "Không đọc được tệp XLSX."),
    ],
)
def test_unusable_uploads_are_refused_with_a_reason(
    client, tinh, content: bytes, name: str, fields: dict[str, str], message: str
) -> None:
    client.force_login(tinh)
    response = upload(client, content, name, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DenominatorImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, tinh, monkeypatch) -> None:
    monkeypatch.setattr(indicator_forms, "MAX_UPLOAD_BYTES", 20)
    client.force_login(tinh)
    page = upload(client, GOOD_CSV).content.decode()
    assert "Tệp lớn hơn" in page
    assert not DenominatorImport.objects.exists()


def test_only_provincial_staff_may_upload(client, eve) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    official = staff("xa", Role.OFFICIAL, commune=LAO_CAI)
    organiser = staff("btc", Role.ORGANISER)
    for user in (official, organiser, eve):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert upload(client, GOOD_CSV).status_code == 403
    assert not Denominator.objects.filter(commune__isnull=False).exists()
    # An official without a commune works for the province, and may upload.
    provincial = staff("tinh-cb", Role.OFFICIAL)
    client.force_login(provincial)
    assert upload(client, GOOD_CSV).status_code == 302
    assert DenominatorImport.objects.get().imported_by == provincial
