from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from question_banks import starter_bank


class Command(BaseCommand):
    help = "Check and publish the starter question bank shipped with the platform."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = starter_bank.problems()
        if problems:
            raise CommandError("\n".join(problems))
        added = starter_bank.load()
        self.stdout.write(self.style.SUCCESS(f"Starter bank: {added} questions published."))
