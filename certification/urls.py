from __future__ import annotations

from django.urls import path

from certification import holder_views, views

urlpatterns = [
    path(".well-known/did.json", views.did_json, name="issuer_did_document"),
    path(
        ".well-known/hocvuso-trust-list.json", views.trust_list_json, name="certificate_trust_list"
    ),
    path("status/<int:list_id>.json", views.status_list_json, name="certificate_status_list"),
    path("xac-minh/", views.verify_page, name="certificate_verify"),
    path(
        "chung-nhan/xep-muc/<str:token>/",
        holder_views.certificate_for_placement,
        name="certificate_for_placement",
    ),
    path("chung-nhan/<str:serial>/", views.certificate_print, name="certificate_print"),
]

api_urlpatterns = [
    path("verify/", views.VerifyApi.as_view(), name="api_certificate_verify"),
]
