"""The offline verifier: a page officials open once with a network, whose service worker
then keeps the page, its script and the offline bundle (trust list, status lists) so it
verifies paper QR codes in the browser (WebCrypto Ed25519) with no network at all."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from certification import keys, offline
from certification.verification import HEADLINES, REASONS


def _texts() -> dict[str, Any]:
    """Every sentence the script may show, translated here so the script holds none.
    Reasons are keyed by the codes of paper_qr and verification, which the script shares."""
    reasons = {code: str(text) for code, text in REASONS.items()}
    reasons["revoked"] = _(
        "chứng nhận đã bị thu hồi. Lý do thu hồi chỉ xem được trên trang xác minh trực tuyến."
    )
    reasons["expired"] = _("chứng nhận chỉ có hiệu lực đến hết ngày %(day)s.")
    reasons["not_yet_valid"] = _("chứng nhận chưa đến ngày có hiệu lực.")
    return {
        "headlines": {status: str(text) for status, text in HEADLINES.items()},
        "reasons": reasons,
        "updated": _("Dữ liệu cập nhật lúc %(time)s."),
        "stale": _(
            "Dữ liệu đã cũ hơn %(days)s ngày: chứng nhận bị thu hồi gần đây có thể chưa được "
            "ghi nhận. Hãy kết nối mạng và mở lại trang này để cập nhật."
        ),
        "noData": _("Chưa có dữ liệu xác minh trên máy này. Hãy mở trang này một lần khi có mạng."),
        "noCrypto": _(
            "Trình duyệt này không kiểm tra được chữ ký số. Hãy dùng Chrome hoặc Edge mới."
        ),
        "ready": _("Đã lưu để dùng khi không có mạng."),
        "noHolder": _("không ghi trên mã (người chưa thành niên hoặc chưa rõ tuổi)"),
        "forever": _("không thời hạn"),
    }


@require_GET
def offline_verify_page(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "certification/offline_verify.html",
        {
            "texts": _texts(),
            "data_url": reverse("certificate_offline_data"),
            "worker_url": reverse("certificate_offline_worker"),
            "stale_days": offline.STALE_AFTER.days,
        },
    )
    # The service worker keeps its own copy; the browser's HTTP cache must not serve an
    # old page over a fresh one while online.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline_data(request: HttpRequest) -> HttpResponse:
    try:
        bundle = offline.offline_bundle()
    except keys.KeyFileError:
        return JsonResponse({"error": _("Chưa khởi tạo khóa ký chứng nhận.")}, status=503)
    response = JsonResponse(bundle, json_dumps_params={"separators": (",", ":")})
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def offline_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served from the page's folder so it may control it.
    Its cache name follows the files it keeps, so a new release replaces the old cache."""
    page = reverse("certificate_offline_verify")
    assets = [
        page,
        reverse("certificate_offline_data"),
        static("certification/offline-verifier.js"),
        static("css/site.css"),
    ]
    version = hashlib.sha256("\n".join([*assets, settings.ISSUER_DOMAIN]).encode()).hexdigest()
    script = render_to_string(
        "certification/offline_sw.js",
        {
            "assets_json": json.dumps(assets),
            "fresh_json": json.dumps(assets[:2]),  # the page and the bundle
            "version": version[:12],
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
