"""Calibrate placement items from collected responses and store pending proposals,
or accept/reject proposals:

    manage.py placement_calibrate [--model 2pl] [--anchor] [--min-n 100] [--exclude-assisted]
    manage.py placement_calibrate --accept 12 13 --by minh
    manage.py placement_calibrate --reject 14 --by minh
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contest.placement.calibration import ItemEstimate
from contest.placement.calibration_services import (
    CalibrationRun,
    calibration_propose,
    calibration_run,
    proposal_accept,
    proposal_reject,
)
from contest.placement.models import CalibrationProposal

PROGRESS_EVERY = 10


class Command(BaseCommand):
    help = "Calibrate placement items (Rasch/2PL, MML-EM) and propose new parameters."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", choices=["rasch", "2pl"], default="rasch")
        parser.add_argument(
            "--anchor",
            action="store_true",
            help="hold calibrated versions fixed and put the others on their scale",
        )
        parser.add_argument(
            "--min-2pl", type=int, default=500, help="answers an item needs for its own slope"
        )
        parser.add_argument(
            "--min-n", type=int, default=100, help="answers an item needs for a proposal"
        )
        parser.add_argument("--exclude-assisted", action="store_true")
        parser.add_argument("--accept", type=int, nargs="+", metavar="ID")
        parser.add_argument("--reject", type=int, nargs="+", metavar="ID")
        parser.add_argument("--by", metavar="USERNAME", help="who accepts or rejects")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["accept"] or options["reject"]:
            self._decide(options)
            return
        run = calibration_run(
            model=options["model"],
            anchor=options["anchor"],
            min_2pl=options["min_2pl"],
            exclude_assisted=options["exclude_assisted"],
            progress=self._progress,
        )
        if not run.matrix.sessions:
            self.stdout.write("No placement responses yet.")
            return
        self._report(run)
        proposals = calibration_propose(run=run, min_n=options["min_n"])
        self.stdout.write(
            f"{len(proposals)} proposals pending (items with at least {options['min_n']} answers)."
        )

    def _progress(self, cycle: int, log_likelihood: float, change: float) -> None:
        if cycle == 1 or cycle % PROGRESS_EVERY == 0:
            self.stdout.write(
                f"EM cycle {cycle}: log-likelihood {log_likelihood:.1f}, "
                f"largest change {change:.5f}"
            )

    def _report(self, run: CalibrationRun) -> None:
        fit = run.fit
        matrix = run.matrix
        self.stdout.write(
            f"{len(matrix.sessions)} sessions, {len(matrix.versions)} items, "
            f"{len(run.anchors)} anchors; "
            f"{'converged' if fit.converged else 'NOT converged'} after {fit.iterations} cycles; "
            f"ability mean {fit.ability_mean:.2f}, SD {fit.ability_sd:.2f}"
        )
        header = (
            f"{'item':<28} {'model':>5} {'n':>6} {'old b':>7} {'new b':>7} {'se':>6} "
            f"{'a':>5} {'infit':>6} {'outfit':>6}  note"
        )
        self.stdout.write(header)
        for item in fit.items:
            version = run.current[matrix.versions[item.index]]
            self.stdout.write(_row(str(version), version.irt_b, item))

    def _decide(self, options: dict[str, Any]) -> None:
        if not options["by"]:
            raise CommandError("--by USERNAME is required to accept or reject")
        try:
            user = User.objects.get(username=options["by"])
        except User.DoesNotExist as error:
            raise CommandError(f"no user {options['by']}") from error
        try:
            if options["accept"]:
                done = proposal_accept(proposal_ids=options["accept"], by=user)
                verb = "accepted"
            else:
                done = proposal_reject(proposal_ids=options["reject"], by=user)
                verb = "rejected"
        except (ValueError, CalibrationProposal.DoesNotExist) as error:
            raise CommandError(str(error)) from error
        for proposal in done:
            self.stdout.write(f"{verb} #{proposal.pk}: {proposal.version} b={proposal.b:.3f}")


def _row(label: str, old_b: float, item: ItemEstimate) -> str:
    def number(value: float | None, width: int, digits: int = 2) -> str:
        return f"{value:>{width}.{digits}f}" if value is not None else f"{'—':>{width}}"

    note = item.reason or ("" if item.status == "estimated" else item.status)
    return (
        f"{label[:28]:<28} {item.model:>5} {item.n:>6} {old_b:>7.2f} {number(item.b, 7)} "
        f"{number(item.se_b, 6)} {number(item.a, 5)} {number(item.infit, 6)} "
        f"{number(item.outfit, 6)}  {note}"
    ).rstrip()
