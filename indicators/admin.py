from __future__ import annotations

from django.contrib import admin

from indicators.models import Denominator, DenominatorImport, IndicatorDefinition, IndicatorTarget


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "target_group", "min_level_code", "measure", "active"]
    list_filter = ["active", "measure", "target_group"]
    inlines = [IndicatorTargetInline]


@admin.register(Denominator)
class DenominatorAdmin(admin.ModelAdmin):
    list_display = ["kind", "commune", "value", "is_estimate", "source", "as_of"]
    list_filter = ["kind", "is_estimate"]
    search_fields = ["commune__name", "source"]


@admin.register(DenominatorImport)
class DenominatorImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "source", "as_of", "rows", "imported_by", "imported_at"]
    readonly_fields = ["file_name", "source", "as_of", "rows", "imported_by", "imported_at"]
