from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from question_banks.models import (
    Competence,
    Domain,
    Framework,
    Level,
    Option,
    Question,
    QuestionVersion,
    ReadAloudClip,
    ReviewComment,
    Translation,
)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    """Administrators edit frameworks, levels and cut scores here."""

    list_display = ["code", "name", "is_proposal"]
    inlines = [DomainInline, LevelInline]


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain", "digcomp_code", "placement_area"]
    list_filter = ["domain__framework", "placement_area"]


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


class TranslationInline(admin.StackedInline):
    model = Translation
    extra = 0


class CommentInline(admin.TabularInline):
    model = ReviewComment
    extra = 0
    readonly_fields = ["author", "decision", "body", "created_at"]


@admin.register(QuestionVersion)
class QuestionVersionAdmin(admin.ModelAdmin):
    """Read-mostly: the review workflow lives on the bank pages, where its rules are enforced."""

    list_display = ["__str__", "status", "type", "competence", "irt_b", "irt_calibrated_at"]
    list_filter = ["status", "type", "competence"]
    search_fields = ["question__key", "stem"]
    inlines = [OptionInline, TranslationInline, CommentInline]
    readonly_fields = ["status", "author", "reviewed_by", "published_at", "retired_at"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at"]
    search_fields = ["key"]
    filter_horizontal = ["enemies"]


@admin.register(ReadAloudClip)
class ReadAloudClipAdmin(admin.ModelAdmin):
    """To look clips up only: authors record and remove them on the question's audio
    page, and `questions_audio` makes the generated ones (files stay in step there)."""

    list_display = ["version", "language", "kind", "duration_ms", "size", "created_at"]
    list_filter = ["language", "kind"]
    search_fields = ["version__question__key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
