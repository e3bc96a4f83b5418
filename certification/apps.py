from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certification"
    verbose_name = _("Chứng nhận")

    def ready(self) -> None:
        from certification import checks  # noqa: F401  (registers the deployment checks)
