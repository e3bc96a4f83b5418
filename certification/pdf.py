"""The certificate as an A4 PDF: the same content as the printable page, with the paper QR
drawn as vector squares (sharp at any print size).

Built with fpdf2 and the DejaVu fonts of Debian's ``fonts-dejavu-core`` package, which
cover every Vietnamese letter with its diacritics; ``CERT_PDF_FONT_DIR`` points elsewhere
when a system keeps them in another folder. Texts follow the active language.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from certification.models import Certificate
from certification.paper_qr import qr_image

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    ("serif", ""): "DejaVuSerif.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    ("sans", ""): "DejaVuSans.ttf",
}
PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 12.0
QR_SIZE = 42.0  # mm, as on the printable page
QR_BORDER = 2  # quiet-zone modules (the frame around the code is white already)
BLUE = (11, 83, 148)
RED = (164, 22, 26)
INK = (26, 26, 26)


class FontMissingError(RuntimeError):
    """The DejaVu fonts are not installed (Debian: apt-get install fonts-dejavu-core)."""


def font_dir() -> Path:
    return Path(getattr(settings, "CERT_PDF_FONT_DIR", DEFAULT_FONT_DIR))


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The PDF bytes of ``certificate``; ``verify_url`` is printed for checking it."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    _add_fonts(pdf)
    pdf.set_title(_("Chứng nhận %(serial)s") % {"serial": certificate.serial})
    pdf.set_author(settings.ISSUER_NAME)
    pdf.set_creator("hocvuso")
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_page()
    _frame(pdf)
    _body(pdf, certificate)
    _footer(pdf, certificate, verify_url)
    _qr(pdf, certificate.qr_text)
    return bytes(pdf.output())


def _add_fonts(pdf: FPDF) -> None:
    folder = font_dir()
    for (family, style), name in FONTS.items():
        path = folder / name
        if not path.is_file():
            raise FontMissingError(f"{path} is missing: install Debian's fonts-dejavu-core")
        pdf.add_font(family, style, str(path))


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(1.2)
    pdf.rect(MARGIN, MARGIN, PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN)
    pdf.set_line_width(0.4)
    pdf.rect(MARGIN + 2.5, MARGIN + 2.5, PAGE_W - 2 * MARGIN - 5, PAGE_H - 2 * MARGIN - 5)


def _centred(
    pdf: FPDF,
    text: str,
    size: float,
    *,
    bold: bool = False,
    colour: tuple[int, int, int] = INK,
    gap: float = 2.0,
) -> None:
    pdf.set_font("serif", "B" if bold else "", size)
    pdf.set_text_color(*colour)
    width = PAGE_W - 2 * (MARGIN + 16)
    pdf.set_x(MARGIN + 16)
    pdf.multi_cell(width, size * 0.45, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _body(pdf: FPDF, certificate: Certificate) -> None:
    pdf.set_y(MARGIN + 20)
    _centred(pdf, settings.ISSUER_NAME.upper(), 13, bold=True)
    _centred(pdf, _("Phong trào “Bình dân học vụ số” tỉnh Lào Cai"), 11, gap=6)
    _centred(pdf, _("CHỨNG NHẬN"), 30, bold=True, colour=RED, gap=4)
    _centred(pdf, _("Chứng nhận Ông/Bà"), 14)
    _centred(pdf, certificate.participant.full_name, 24, bold=True, gap=5)
    _centred(pdf, certificate.achievement_name, 16)
    level = certificate.level_name
    if level and level not in certificate.achievement_name:
        _centred(pdf, level, 20, bold=True, colour=BLUE)
    if certificate.revoked_at:
        pdf.set_font("serif", "B", 40)
        pdf.set_text_color(*RED)
        with pdf.rotation(12, PAGE_W / 2, PAGE_H / 2):
            pdf.set_xy(MARGIN, PAGE_H / 2 - 10)
            pdf.cell(PAGE_W - 2 * MARGIN, 20, _("ĐÃ THU HỒI"), align="C")


def _footer(pdf: FPDF, certificate: Certificate, verify_url: str) -> None:
    until = (
        formats.date_format(timezone.localtime(certificate.valid_until), "d/m/Y")
        if certificate.valid_until
        else _("không thời hạn")
    )
    lines = [
        f"{_('Số hiệu')}: {certificate.serial}",
        f"{_('Ngày cấp')}: "
        + formats.date_format(timezone.localtime(certificate.issued_at), "d/m/Y"),
        f"{_('Hiệu lực đến')}: {until}",
        f"{_('Xác minh: quét mã QR hoặc dán nội dung mã tại')} {verify_url}",
    ]
    pdf.set_font("sans", "", 10)
    pdf.set_text_color(*INK)
    top = PAGE_H - MARGIN - 8 - 5.5 * len(lines)
    for number, line in enumerate(lines):
        pdf.set_xy(MARGIN + 16, top + 5.5 * number)
        pdf.cell(PAGE_W - 2 * MARGIN - 32 - QR_SIZE - 8, 5.5, line)


def _qr(pdf: FPDF, text: str) -> None:
    """The QR symbol, one filled rectangle per run of dark modules in a row."""
    matrix = qr_image(text).matrix
    modules = len(matrix) + 2 * QR_BORDER
    step = QR_SIZE / modules
    left = PAGE_W - MARGIN - 16 - QR_SIZE
    top = PAGE_H - MARGIN - 8 - QR_SIZE
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(left, top, QR_SIZE, QR_SIZE, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_number, row in enumerate(matrix):
        y = top + (row_number + QR_BORDER) * step
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            x = left + (start + QR_BORDER) * step
            # A hair wider than the run, so neighbouring rows leave no white seams.
            pdf.rect(x, y, (column - start) * step + 0.01, step + 0.01, style="F")
