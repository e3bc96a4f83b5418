"""Staff roles as Django groups, each with the permissions its work needs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCIAL_ADMIN = "provincial_admin", _("Quản trị cấp tỉnh")
    QUESTION_AUTHOR = "question_author", _("Người soạn câu hỏi")
    REVIEWER = "reviewer", _("Người thẩm định")
    ORGANISER = "organiser", _("Ban tổ chức")
    VOLUNTEER = "volunteer", _("Tình nguyện viên, giám sát")
    OFFICIAL = "official", _("Cán bộ xã, phường, trường học")
    VERIFIER = "verifier", _("Người xác minh chứng nhận")


# Permissions per role, as "app_label.codename". A permission that does not exist
# yet (an app not migrated) is skipped, and picked up on the next migrate.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.QUESTION_AUTHOR: [
        "question_banks.view_question",
        "question_banks.add_question",
        "question_banks.change_question",
        "question_banks.view_framework",
        "question_banks.import_questions",
    ],
    Role.REVIEWER: [
        "question_banks.view_question",
        "question_banks.review_question",
        "question_banks.view_framework",
    ],
    Role.ORGANISER: [
        "contest.view_contest",
        "contest.add_contest",
        "contest.change_contest",
        "contest.view_attempt",
        "contest.view_livegame",
        "contest.add_livegame",
        "contest.change_livegame",
        "question_banks.view_question",
        "question_banks.view_framework",
        "community.view_participant",
        "community.view_school",
    ],
    Role.VOLUNTEER: [
        "community.add_participant",
        "community.view_participant",
    ],
    Role.OFFICIAL: [
        "contest.view_contest",
        "community.view_participant",
        "community.view_school",
    ],
    Role.VERIFIER: [],
}

# The provincial administrator holds every permission of the platform's own apps.
ADMIN_APPS = ("community", "question_banks", "contest", "certification")
