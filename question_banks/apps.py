from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionBanksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "question_banks"
    verbose_name = _("Ngân hàng câu hỏi")
