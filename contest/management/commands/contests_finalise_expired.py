from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from contest.asynchronous.services import attempts_finalise_expired


class Command(BaseCommand):
    help = "Auto-submit every contest attempt whose deadline has passed (run every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = attempts_finalise_expired()
        self.stdout.write(f"{count} expired attempts submitted.")
