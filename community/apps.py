from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = _("Cộng đồng")

    def ready(self) -> None:
        from community import checks, signals  # noqa: F401  (registers checks and receivers)
