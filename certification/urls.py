from __future__ import annotations

from django.urls import path, re_path

from certification import download_views, holder_views, offline_views, views

urlpatterns = [
    path(".well-known/did.json", views.did_json, name="issuer_did_document"),
    path(
        ".well-known/hocvuso-trust-list.json", views.trust_list_json, name="certificate_trust_list"
    ),
    path("status/<int:list_id>.json", views.status_list_json, name="certificate_status_list"),
    path("xac-minh/", views.verify_page, name="certificate_verify"),
    path(
        "xac-minh/ngoai-tuyen/",
        offline_views.offline_verify_page,
        name="certificate_offline_verify",
    ),
    path(
        "xac-minh/ngoai-tuyen/du-lieu.json",
        offline_views.offline_data,
        name="certificate_offline_data",
    ),
    path(
        "xac-minh/ngoai-tuyen/sw.js",
        offline_views.offline_worker,
        name="certificate_offline_worker",
    ),
    path(
        "chung-nhan/xep-muc/<str:token>/",
        holder_views.certificate_for_placement,
        name="certificate_for_placement",
    ),
    path("chung-nhan/tra-cuu/", holder_views.holder_lookup, name="certificate_holder_lookup"),
    path("chung-nhan/<str:serial>/", views.certificate_print, name="certificate_print"),
    path(
        "chung-nhan/<str:serial>/chung-nhan.pdf",
        download_views.certificate_pdf,
        name="certificate_pdf",
    ),
    path(
        "chung-nhan/<str:serial>/chung-nhan.json",
        download_views.certificate_credential,
        name="certificate_credential",
    ),
    re_path(
        r"^chung-nhan/(?P<serial>[^/]+)/ma-qr\.(?P<kind>png|svg)$",
        download_views.certificate_qr,
        name="certificate_qr",
    ),
]

api_urlpatterns = [
    path("verify/", views.VerifyApi.as_view(), name="api_certificate_verify"),
]
