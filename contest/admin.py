from __future__ import annotations

from django.contrib import admin

from contest.models import Attempt, BlueprintRule, Contest, ContestAward, Round


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0


class BlueprintInline(admin.TabularInline):
    model = BlueprintRule
    extra = 0


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "opens_at", "closes_at", "results_published"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RoundInline, BlueprintInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["contest", "participant", "number", "status", "score", "submitted_at"]
    list_filter = ["contest", "status"]
    readonly_fields = ["token", "score", "max_score", "flags"]


@admin.register(ContestAward)
class ContestAwardAdmin(admin.ModelAdmin):
    list_display = ["contest", "participant", "kind", "rank", "label"]
    list_filter = ["contest", "kind"]
