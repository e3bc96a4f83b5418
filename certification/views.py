"""Published documents (DID document, trust list, status lists), the verification page,
the verification API and the printable certificate. Views only translate: the work is in
certification.keys, certification.services and certification.verification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import keys, services
from certification.models import Certificate, StatusList
from certification.paper_qr import qr_image
from certification.verification import NOT_JSON, invalid_check
from community.rate_limits import allow

PUBLISHED_MAX_AGE = 300
PRINT_SIGNING_SALT = "certification.print"
VERIFY_LIMIT_PER_MINUTE = 60


def _published(document: dict[str, Any], content_type: str = "application/json") -> HttpResponse:
    response = JsonResponse(document, content_type=content_type, json_dumps_params={"indent": 1})
    response["Cache-Control"] = f"public, max-age={PUBLISHED_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"  # offline verifiers fetch these from anywhere
    return response


@require_GET
def did_json(request: HttpRequest) -> HttpResponse:
    return _published(keys.did_document(), "application/did+json")


def _keys_missing() -> HttpResponse:
    return JsonResponse({"error": _("Chưa khởi tạo khóa ký chứng nhận.")}, status=503)


@require_GET
def trust_list_json(request: HttpRequest) -> HttpResponse:
    try:
        return _published(keys.trust_list())
    except keys.KeyFileError:
        return _keys_missing()


@require_GET
def status_list_json(request: HttpRequest, list_id: int) -> HttpResponse:
    status_list = get_object_or_404(StatusList, pk=list_id)
    try:
        document = services.status_list_credential(status_list)
    except keys.KeyFileError:
        return _keys_missing()
    response = _published(document, "application/vc+ld+json")
    response["Last-Modified"] = status_list.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    check = None
    text = ""
    limited = False
    if request.method == "POST":
        text = request.POST.get("qr", "")[:2000]
        if allow("verify", _client(request), limit=VERIFY_LIMIT_PER_MINUTE, window_seconds=60):
            check = services.certificate_verify_qr(text)
        else:
            limited = True
    return render(
        request,
        "certification/verify.html",
        {"check": check, "text": text, "limited": limited},
        status=429 if limited else 200,
    )


def print_token(certificate: Certificate) -> str:
    return signing.dumps(certificate.serial, salt=PRINT_SIGNING_SALT)


def print_url(certificate: Certificate) -> str:
    """The printable page's address for the holder (carries a signed token)."""
    url = reverse("certificate_print", args=[certificate.serial])
    return f"{url}?ma={print_token(certificate)}"


def holder_links(certificate: Certificate) -> dict[str, str]:
    """The holder's signed links to each form of the certificate."""
    query = f"?ma={print_token(certificate)}"
    serial = certificate.serial
    return {
        "print": print_url(certificate),
        "pdf": reverse("certificate_pdf", args=[serial]) + query,
        "json": reverse("certificate_credential", args=[serial]) + query,
        "png": reverse("certificate_qr", args=[serial, "png"]) + query,
        "svg": reverse("certificate_qr", args=[serial, "svg"]) + query,
    }


def may_view_certificate(request: HttpRequest, certificate: Certificate) -> bool:
    """The holder (signed link or own account) and staff with ``view_certificate``."""
    user = request.user
    if user.is_authenticated and (
        user.has_perm("certification.view_certificate")
        or certificate.participant.user_id == user.pk
    ):
        return True
    try:
        return bool(
            signing.loads(request.GET.get("ma", ""), salt=PRINT_SIGNING_SALT) == certificate.serial
        )
    except signing.BadSignature:
        return False


def viewable_certificate(request: HttpRequest, serial: str) -> Certificate:
    """The certificate ``serial`` if this request may see it; 404 otherwise, the same for
    a serial that does not exist (serials are sequential, so guessing one reveals nothing)."""
    certificate = Certificate.objects.select_related("participant").filter(serial=serial).first()
    if certificate is None or not may_view_certificate(request, certificate):
        raise Http404
    return certificate


@require_GET
def certificate_print(request: HttpRequest, serial: str) -> HttpResponse:
    """The A4 certificate with its QR. Names are printed only for the holder and staff:
    serials are sequential, so the page is never open to anyone who guesses one."""
    certificate = viewable_certificate(request, serial)
    svg = qr_image(certificate.qr_text).svg_inline(scale=3, border=2, omitsize=True)
    return render(
        request,
        "certification/certificate_print.html",
        {
            "certificate": certificate,
            "qr_svg": svg,
            "issuer": settings.ISSUER_NAME,
            "links": holder_links(certificate),
        },
    )


class VerifyInputSerializer(serializers.Serializer[Any]):
    qr = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    credential = serializers.JSONField(required=False)


class VerifyOutputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=["valid", "invalid", "revoked", "expired", "not_yet_valid"]
    )
    valid = serializers.BooleanField()
    headline = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()
    certificate = serializers.DictField(allow_null=True)


class VerifyApi(APIView):
    """Check a paper QR text (``qr``) or an Open Badges credential (``credential``).
    Every answer about the certificate is 200 with its status; 400 only when neither is
    given."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=VerifyInputSerializer, responses=VerifyOutputSerializer)
    def post(self, request: Request) -> Response:
        if not allow("verify", _client(request), limit=VERIFY_LIMIT_PER_MINUTE, window_seconds=60):
            return Response({"error": "rate_limited", "code": "rate_limited"}, status=429)
        try:
            body = request.data
        except ParseError:
            return Response(invalid_check(NOT_JSON).as_dict())
        # Read by hand, not through the serializer: whatever was sent gets an answer about
        # the certificate ("không hợp lệ" with its reason), not a validation error.
        if not isinstance(body, Mapping) or not ({"qr", "credential"} & set(body)):
            return Response(
                {"error": _("Cần gửi 'qr' (nội dung mã QR) hoặc 'credential'."), "code": "empty"},
                status=400,
            )
        if "credential" in body:
            check = services.certificate_verify_vc(body["credential"])
        else:
            qr = body["qr"]
            check = services.certificate_verify_qr(qr[:2000] if isinstance(qr, str) else qr)
        return Response(check.as_dict())
