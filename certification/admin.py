"""Certificates are issued and revoked through services (and their commands), so the
admin only reads: every change must go through the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certification.models import Certificate, IssuingKey, StatusList


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["serial", "kind", "achievement_name", "level_name", "issued_at", "revoked_at"]
    list_filter = ["kind", "revoked_at", "commune_code", "target_group_code"]
    search_fields = ["serial", "achievement_code"]
    raw_id_fields = ["participant"]
    exclude = ["credential", "qr_text"]


@admin.register(IssuingKey)
class IssuingKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "purpose", "created_at", "retired_at", "not_after", "signed_unexpiring"]


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["id", "purpose", "size", "updated_at"]
    exclude = ["bits_gzip"]
