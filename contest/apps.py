from __future__ import annotations

from django.apps import AppConfig


class ContestConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contest"

    def ready(self) -> None:
        from contest.asynchronous.contest_cache import connect_signals

        connect_signals()
