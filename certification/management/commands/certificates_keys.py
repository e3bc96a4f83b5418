from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification import keys
from certification.models import IssuingKey


class Command(BaseCommand):
    help = (
        "Signing keys: `init` creates the root and issuing keys when missing, `rotate` retires "
        "the issuing key and starts a new one, `show` lists the public keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "rotate", "show"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "init":
                key = keys.ensure_keys()
                self.stdout.write(self.style.SUCCESS(f"Issuing key ready: {key.kid}"))
            elif options["action"] == "rotate":
                if keys.active_key(IssuingKey.Purpose.ROOT) is None:
                    raise CommandError("No root key yet: run `certificates_keys init` first.")
                key = keys.issuing_key_rotate()
                keys.private_key(key)
                self.stdout.write(self.style.SUCCESS(f"New issuing key: {key.kid}"))
        except keys.KeyFileError as exc:
            raise CommandError(str(exc)) from exc
        self._show()

    def _show(self) -> None:
        self.stdout.write(f"Issuer: {keys.issuer_did()}")
        published = {key.pk for key in keys.published_keys()}
        for key in IssuingKey.objects.order_by("purpose", "created_at"):
            if key.purpose == IssuingKey.Purpose.ROOT:
                state = "root" + (" (retired)" if key.retired_at else "")
            elif key.retired_at is None:
                state = "active"
            else:
                state = "retired, published" if key.pk in published else "retired, unpublished"
            self.stdout.write(
                f"  {key.kid}  {state:<22} {key.public_key_multibase}  file {keys.key_path(key)}"
            )
