"""A resident finds their certificates by phone, name and birth year, and downloads them:
the PDF (Vietnamese text, a QR that decodes and verifies), the credential, the QR alone.
Unknown phones and wrong second factors get the same answer; look-ups are rate-limited."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.utils import timezone

from certification import pdf, services
from certification.models import Certificate
from certification.verification import certificate_verify_qr, certificate_verify_vc
from tests.contest_fixtures import person
from tests.test_certificates_issue import adult, finished_session, issuer  # noqa: F401

pytestmark = pytest.mark.django_db

LOOKUP = "/chung-nhan/tra-cuu/"
PHONE = "0912000001"  # adult()'s
NOT_FOUND = "Không tìm thấy chứng nhận nào khớp với thông tin bạn nhập."


@pytest.fixture(autouse=True)
def isolated_rate_limits(settings) -> None:
    """Rate-limit counters live in the cache (Redis in CI, shared): a fresh prefix each."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"holder-{uuid.uuid4().hex[:12]}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def cert(issuer) -> Certificate:  # noqa: F811
    return services.certificate_issue_for_placement(finished_session(adult()), actor=None)


def lookup(client, phone: str = PHONE, name: str = "Giàng A Lử", year: object = 1985):
    return client.post(LOOKUP, {"phone": phone, "full_name": name, "birth_year": year})


def links(page: str) -> dict[str, str]:
    return {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="([^"]+)"(?: download)?>([^<]+)</a>', page)
    }


# --- Look-up ---------------------------------------------------------------------------------


def test_the_holder_finds_their_certificates_with_signed_links(client, cert) -> None:
    response = lookup(client, phone="+84 912 000 001", name="  giàng a  LỬ ")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert "Tìm thấy 1 chứng nhận." in page and cert.serial in page
    found = links(page)
    assert found["Xem và in"].startswith(f"/chung-nhan/{cert.serial}/?ma=")
    for label in ("Tải PDF", "Tải chứng nhận điện tử (JSON)", "Tải mã QR (PNG)", "Tải mã QR (SVG)"):
        assert client.get(found[label]).status_code == 200, label


def test_a_name_typed_without_diacritics_still_matches(client, cert) -> None:
    assert cert.serial in lookup(client, name="giang a lu").content.decode()


@pytest.mark.parametrize(
    ("phone", "name", "year"),
    [
        ("0987654321", "Giàng A Lử", 1985),  # no such phone
        (PHONE, "Giàng A Lử", 1986),  # wrong birth year
        (PHONE, "Lò Văn Lử", 1985),  # wrong name
    ],
)
def test_unknown_phone_and_wrong_factors_get_one_same_answer(client, cert, phone, name, year):
    page = lookup(client, phone, name, year).content.decode()
    assert NOT_FOUND in page and cert.serial not in page


def test_a_person_without_certificates_gets_the_same_answer(client, issuer) -> None:  # noqa: F811
    adult()
    assert NOT_FOUND in lookup(client).content.decode()


def test_a_contest_entry_without_birth_year_matches_on_the_name(client, issuer) -> None:  # noqa: F811
    from certification.holder import certificates_for_holder

    who = person("Sùng Thị Dợ", phone="0912000009")
    session = finished_session(who)
    cert = services.certificate_issue_for_placement(session, actor=None)
    assert certificates_for_holder(
        phone="0912000009", full_name="Sùng Thị Dợ", birth_year=1970
    ) == [cert]
    assert certificates_for_holder(phone="0912000009", full_name="Sùng Thị", birth_year=1970) == []


@pytest.mark.parametrize(
    ("phone", "year", "message"),
    [
        ("12345", 1985, "Số điện thoại không hợp lệ"),
        (PHONE, "", "Hãy nhập năm sinh."),
        (PHONE, 1899, "Năm sinh không hợp lệ."),
        (PHONE, timezone.localdate().year + 1, "Năm sinh không hợp lệ."),
        (PHONE, "mười", "Hãy nhập năm sinh bằng số, ví dụ 1975."),
    ],
)
def test_bad_input_gets_a_vietnamese_reason_and_keeps_what_was_typed(
    client, cert, phone, year, message
):
    response = lookup(client, phone=phone, year=year)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(message, page), page
    assert 'value="Giàng A Lử"' in page and cert.serial not in page


def test_look_ups_are_limited_per_phone_whoever_asks(client, cert, settings) -> None:
    settings.RATE_LIMIT_SCALE = 1
    for year in range(1980, 1985):  # five wrong guesses
        assert NOT_FOUND in lookup(client, year=year).content.decode()
    response = lookup(client)  # now the right year, but too late
    assert response.status_code == 429
    page = response.content.decode()
    assert "Bạn đã tra cứu quá nhiều lần" in page and cert.serial not in page
    # An unknown number is limited the same way: the limit says nothing about existence.
    for _ in range(5):
        lookup(client, phone="0987654321")
    assert lookup(client, phone="0987654321").status_code == 429


def test_look_ups_are_limited_per_address(client, cert, settings) -> None:
    settings.RATE_LIMIT_SCALE = 1
    for number in range(20):
        assert lookup(client, phone=f"09870000{number:02d}").status_code == 200
    assert lookup(client).status_code == 429


# --- Downloads -------------------------------------------------------------------------------


def _signed(client, cert: Certificate) -> dict[str, str]:
    return links(lookup(client).content.decode())


def test_downloads_are_the_holders_only(client, cert) -> None:
    for suffix in ("chung-nhan.pdf", "chung-nhan.json", "ma-qr.png", "ma-qr.svg"):
        url = f"/chung-nhan/{cert.serial}/{suffix}"
        assert client.get(url).status_code == 404, suffix
        assert client.get(f"{url}?ma=gia-mao").status_code == 404, suffix
    assert client.get(f"/chung-nhan/{cert.serial}/ma-qr.gif").status_code == 404


def test_the_credential_download_verifies(client, cert) -> None:
    response = client.get(_signed(client, cert)["Tải chứng nhận điện tử (JSON)"])
    assert response["Content-Disposition"] == f'attachment; filename="{cert.serial}.json"'
    assert certificate_verify_vc(response.content.decode()).status == "valid"


@pytest.mark.parametrize("label", ["Tải mã QR (PNG)", "Tải mã QR (SVG)"])
def test_the_qr_alone_decodes_to_a_payload_that_verifies(client, cert, label) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    response = client.get(_signed(client, cert)[label])
    if label.endswith("(SVG)"):
        assert response["Content-Type"] == "image/svg+xml"
        assert response.content.startswith(b"<?xml") and b"<svg" in response.content
        return  # the same symbol as the PNG, in vectors
    assert response["Content-Type"] == "image/png"
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert found.text == cert.qr_text
    assert certificate_verify_qr(found.text).status == "valid"


def _rendered(document: bytes):
    """The PDF's first page as an image and its text, through PDFium."""
    pdfium = pytest.importorskip("pypdfium2")
    pages = pdfium.PdfDocument(document)
    assert len(pages) == 1
    page = pages[0]
    width, height = page.get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)  # A4 landscape
    text = page.get_textpage().get_text_range()
    return page.render(scale=300 / 72).to_pil(), text


def test_the_pdf_shows_the_vietnamese_text_and_a_qr_that_verifies(client, cert) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    response = client.get(_signed(client, cert)["Tải PDF"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{cert.serial}.pdf"'
    image, text = _rendered(response.content)
    for expected in (
        "CHỨNG NHẬN",
        "Giàng A Lử",
        "Mức kỹ năng số: Trung cấp 1",
        f"Số hiệu: {cert.serial}",
        "Phong trào “Bình dân học vụ số” tỉnh Lào Cai",
        "http://testserver/xac-minh/",
    ):
        assert expected in text, (expected, text)
    assert "ĐÃ THU HỒI" not in text
    (found,) = zxingcpp.read_barcodes(image)
    assert found.text == cert.qr_text
    assert certificate_verify_qr(found.text).status == "valid"


def test_a_revoked_certificate_pdf_says_so(cert) -> None:
    services.certificate_revoke(cert, actor=None, reason="Sai sót")
    cert.refresh_from_db()
    _image, text = _rendered(pdf.certificate_pdf(cert, verify_url="https://vi.du/xac-minh/"))
    assert "ĐÃ THU HỒI" in text


def test_the_pdf_says_which_font_package_is_missing(cert, settings, tmp_path) -> None:
    settings.CERT_PDF_FONT_DIR = tmp_path
    with pytest.raises(pdf.FontMissingError, match="fonts-dejavu-core"):
        pdf.certificate_pdf(cert, verify_url="https://vi.du/xac-minh/")


def test_the_printable_page_offers_the_downloads(client, cert) -> None:
    page = client.get(_signed(client, cert)["Xem và in"]).content.decode()
    found = links(page)
    for label in ("Tải PDF", "Tải chứng nhận điện tử (JSON)", "Tải mã QR (PNG)"):
        response = client.get(found[label])
        assert response.status_code == 200, label
        assert cert.serial in response["Content-Disposition"], label
