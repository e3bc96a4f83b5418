from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from question_banks.models import QuestionVersion
from question_banks.read_aloud import services, speech


class Command(BaseCommand):
    help = (
        "Generate read-aloud audio (espeak-ng, MP3) for question versions ahead of time: "
        "the stem and the options, one file per version and language. Safe to run again: "
        "a clip is made only when missing or when its words or voice changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            action="append",
            choices=sorted(speech.VOICES),
            help="a language to generate (repeatable; default: every language with a voice)",
        )
        parser.add_argument(
            "--status",
            action="append",
            choices=QuestionVersion.Status.values,
            help="versions in this status (repeatable; default: published)",
        )
        parser.add_argument("--key", action="append", help="only this question (repeatable)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--only-missing",
            action="store_true",
            help="keep every existing clip, even one made for older text",
        )
        mode.add_argument("--force", action="store_true", help="regenerate every clip")

    def handle(self, *args: Any, **options: Any) -> None:
        missing = speech.tools_missing()
        if missing:
            raise CommandError(
                f"{', '.join(missing)} not found; install with: "
                f"apt-get install {speech.DEBIAN_PACKAGES}"
            )
        languages = options["language"] or sorted(speech.VOICES)
        versions = services.versions_for_audio(
            statuses=options["status"] or [QuestionVersion.Status.PUBLISHED],
            keys=options["key"],
        )
        try:
            outcomes = services.clips_generate(
                versions=versions,
                languages=languages,
                only_missing=options["only_missing"],
                force=options["force"],
                progress=self._progress,
            )
        except speech.SpeechError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Read-aloud audio: {outcomes[services.CREATED]} created, "
                f"{outcomes[services.UPDATED]} regenerated, "
                f"{outcomes[services.UNCHANGED]} already up to date, "
                f"{outcomes[services.NO_TEXT]} without a translation."
            )
        )

    def _progress(
        self, done: int, total: int, version: QuestionVersion, results: dict[str, str]
    ) -> None:
        made = [
            f"{language} {outcome}"
            for language, outcome in results.items()
            if outcome in (services.CREATED, services.UPDATED)
        ]
        if made:
            self.stdout.write(f"[{done}/{total}] {version}: {', '.join(made)}")
        elif done % 100 == 0 or done == total:
            self.stdout.write(f"[{done}/{total}] checked")
