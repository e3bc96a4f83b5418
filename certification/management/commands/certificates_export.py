from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification import keys, offline


class Command(BaseCommand):
    help = (
        "Write what a verifier needs offline to DIR, laid out as the site publishes it: "
        ".well-known/did.json, .well-known/hocvuso-trust-list.json, status/<id>.json, "
        "offline-bundle.json (what the offline verifier page caches) and manifest.json "
        "(SHA-256 of each file). --credentials adds every signed credential under "
        "credentials/<serial>.json, only for a third party entitled to them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, metavar="DIR")
        parser.add_argument(
            "--credentials", action="store_true", help="also write every signed credential"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} exists and is not a folder.")
        try:
            written = offline.export_files(out, credentials=options["credentials"])
        except keys.KeyFileError as exc:
            raise CommandError(str(exc)) from exc
        credentials = sum(name.startswith("credentials/") for name in written)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(written) - credentials} verification files and {credentials} "
                f"credentials written to {out}."
            )
        )
