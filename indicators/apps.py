"""The skills-attainment indicators of plan 9-KH/TU: definitions and targets, denominators,
roll-ups kept current from certificates, dashboards, the public ranking and reports.

ARCHITECTURE.md allows these to live inside `certification`; they are a separate app so
that `certification` stays about issuing and verifying credentials. The arrow still points
one way: indicators read certificates (through a post_save/post_delete receiver on
Certificate, see indicators/signals.py), and certification imports nothing from here.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"
    verbose_name = _("Chỉ tiêu")

    def ready(self) -> None:
        from indicators import batch, signals  # noqa: F401  (registers the receivers)
