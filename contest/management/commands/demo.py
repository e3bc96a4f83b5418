from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from certification.keys import ensure_keys
from community import demo_data
from community.models import Participant
from contest.demo_data import demo_contest_create, demo_live_game_create


class Command(BaseCommand):
    help = "Migrate, load the starter bank and demo data, print the demo logins, and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=300)
        parser.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated; 99 communes and wards loaded.")
        call_command("starter_bank_load", stdout=self.stdout)
        ensure_keys()
        self.stdout.write("Certificate keys ready (demo passphrase, keys/ folder).")
        contest = demo_contest_create()
        self.stdout.write(f"Demo contest open at /thi/{contest.slug}/")
        logins = demo_data.staff_create()
        demo_data.places_create()
        if demo_live_game_create() is not None:
            self.stdout.write("A demo live game is ready for bantochuc to open.")
        missing = options["participants"] - Participant.objects.count()
        if missing > 0:
            made = demo_data.participants_create(missing)
            self.stdout.write(f"{made} demo participants created.")
        self.stdout.write(self.style.SUCCESS("\nDemo logins (username / password — role):"))
        for username, password, role in logins:
            self.stdout.write(f"  {username:<11} / {password:<18} — {role}")
        if not options["no_serve"]:
            self.stdout.write(self.style.SUCCESS(f"\nOpen http://{options['addr']}/\n"))
            call_command("runserver", options["addr"], use_reloader=False)
