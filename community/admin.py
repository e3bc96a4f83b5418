from __future__ import annotations

from django.contrib import admin

from community.models import (
    AuditEvent,
    Commune,
    FormerUnit,
    Organisation,
    Participant,
    School,
    StaffScope,
    TargetGroup,
    Volunteer,
)


class FormerUnitInline(admin.TabularInline):
    model = FormerUnit
    extra = 0


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "unit_type", "qd19_order", "former_districts"]
    list_filter = ["unit_type"]
    search_fields = ["code", "full_name", "former_units__full_name"]
    inlines = [FormerUnitInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """Lists show the phone masked; full personal data appears only on the change
    form, which only admin-site staff (provincial administrators) can open."""

    list_display = ["full_name", "target_group", "commune", "birth_year", "masked_phone"]
    list_filter = ["target_group", "commune"]
    search_fields = ["full_name"]
    autocomplete_fields = ["commune", "school", "organisation"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "commune", "enrolment"]
    list_filter = ["level"]
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune", "staff_count"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target", "actor"]
    list_filter = ["action"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # the audit log is append-only

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


admin.site.register([TargetGroup, StaffScope, Volunteer])
