"""A holder's downloads of one certificate: the PDF, the Open Badges credential (JSON) and
the QR alone (PNG, SVG). The same rule as the printable page: the holder through a signed
link or their own account, and staff with ``view_certificate``; 404 for anyone else."""

from __future__ import annotations

import io
import json

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from certification.paper_qr import qr_image
from certification.views import viewable_certificate

QR_SCALE = 8  # pixels per module of the PNG: about 4.5 cm at 300 dpi for a version-9 code
QR_BORDER = 4  # the quiet zone the QR standard asks for


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal: the holder's name is in the PDF. Never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def certificate_pdf(request: HttpRequest, serial: str) -> HttpResponse:
    from certification.pdf import certificate_pdf as build  # fpdf2 only when a PDF is asked

    certificate = viewable_certificate(request, serial)
    verify_url = request.build_absolute_uri(reverse("certificate_verify"))
    return _download(build(certificate, verify_url=verify_url), "application/pdf", f"{serial}.pdf")


@require_GET
def certificate_credential(request: HttpRequest, serial: str) -> HttpResponse:
    certificate = viewable_certificate(request, serial)
    body = json.dumps(certificate.credential, ensure_ascii=False, indent=1).encode("utf-8")
    return _download(body, "application/json; charset=utf-8", f"{serial}.json")


@require_GET
def certificate_qr(request: HttpRequest, serial: str, kind: str) -> HttpResponse:
    certificate = viewable_certificate(request, serial)
    buffer = io.BytesIO()
    qr_image(certificate.qr_text).save(buffer, kind=kind, scale=QR_SCALE, border=QR_BORDER)
    content_type = "image/svg+xml" if kind == "svg" else "image/png"
    return _download(buffer.getvalue(), content_type, f"{serial}-qr.{kind}")
