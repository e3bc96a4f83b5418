from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification import services
from certification.models import Certificate


class Command(BaseCommand):
    help = "Revoke a certificate by serial, with a reason (written to the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("serial")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--actor", metavar="USERNAME")

    def handle(self, *args: Any, **options: Any) -> None:
        certificate = Certificate.objects.filter(serial=options["serial"]).first()
        if certificate is None:
            raise CommandError(f"No certificate {options['serial']!r}.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']!r}.")
        try:
            certificate = services.certificate_revoke(
                certificate, actor=actor, reason=options["reason"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{certificate.serial} revoked: {certificate.revoke_reason}")
        )
