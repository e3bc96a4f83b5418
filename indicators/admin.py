from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from indicators.models import Denominator, DenominatorImport, IndicatorDefinition, IndicatorTarget


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "target_group", "min_level_code", "measure", "active"]
    list_filter = ["active", "measure", "target_group"]
    inlines = [IndicatorTargetInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.needs_recount:
            messages.warning(
                request,
                _(
                    "Quy tắc tính của chỉ tiêu “%(name)s” đã thay đổi. Số liệu sẽ đúng theo "
                    "quy tắc mới sau khi chạy lệnh tính lại: python manage.py indicators_rebuild"
                )
                % {"name": obj.name},
            )


@admin.register(Denominator)
class DenominatorAdmin(admin.ModelAdmin):
    list_display = ["kind", "commune", "value", "is_estimate", "source", "as_of"]
    list_filter = ["kind", "is_estimate"]
    search_fields = ["commune__name", "source"]


@admin.register(DenominatorImport)
class DenominatorImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "source", "as_of", "rows", "imported_by", "imported_at"]
    readonly_fields = ["file_name", "source", "as_of", "rows", "imported_by", "imported_at"]
