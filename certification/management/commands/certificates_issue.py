from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification import batch, keys
from contest.asynchronous.models import Contest


class Command(BaseCommand):
    help = (
        "Issue certificates in bulk: participation and prizes for every recorded award of a "
        "contest (--contest SLUG), or levels for every eligible finished placement session "
        "(--placement). Safe to run again: each certificate is issued once. Issues in "
        "chunks of 10,000, each chunk one transaction (an interrupted run resumes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--contest", metavar="SLUG")
        target.add_argument("--placement", action="store_true")
        parser.add_argument("--actor", metavar="USERNAME", help="who is issuing (audit log)")
        parser.add_argument(
            "--workers",
            type=int,
            default=batch.default_workers(),
            help="processes that sign (default: the CPU cores, at most 4)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["actor"])
        try:
            if options["contest"]:
                contest = Contest.objects.filter(slug=options["contest"]).first()
                if contest is None:
                    raise CommandError(f"No contest with slug {options['contest']!r}.")
                summary = batch.certificates_issue_for_contest(
                    contest, actor=actor, progress=self._progress, workers=options["workers"]
                )
            else:
                summary = batch.certificates_issue_for_placements(
                    actor=actor, progress=self._progress, workers=options["workers"]
                )
        except keys.KeyFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.created} issued, {summary.existing} already issued, "
                f"{len(summary.failed)} not eligible."
            )
        )
        for line in summary.failed:
            self.stdout.write(f"  {line}")

    def _actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        # Called once per chunk: one bar redrawn on a terminal, a line each in a log.
        if self.stdout.isatty():
            self.stdout.write(f"\r[{bar}] {done}/{total}", ending="\n" if done == total else "")
        else:
            self.stdout.write(f"[{bar}] {done}/{total}")
        sys.stdout.flush()
