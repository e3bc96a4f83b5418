"""Mantel–Haenszel DIF of placement items between groups of test takers:

manage.py placement_dif [--group language|age|ethnicity|assisted] [--min-per-group 50]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from contest.placement.calibration_services import (
    GROUP_LABELS,
    GROUPINGS,
    Grouping,
    matching_abilities,
    response_matrix,
    session_groups,
)
from contest.placement.dif import ItemDif, mantel_haenszel_purified
from question_banks.models import QuestionVersion


class Command(BaseCommand):
    help = "Mantel–Haenszel DIF per placement item, matched on purified EAP ability strata."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--group", choices=GROUPINGS, action="append", dest="groups")
        parser.add_argument("--min-per-group", type=int, default=50)
        parser.add_argument("--strata", type=int, default=10, help="ability strata to match on")

    def handle(self, *args: Any, **options: Any) -> None:
        matrix = response_matrix()
        if not matrix.sessions:
            self.stdout.write("No placement responses yet.")
            return
        ability_from = matching_abilities(matrix)
        labels = {
            v.pk: str(v)
            for v in QuestionVersion.objects.select_related("question").filter(
                pk__in=matrix.versions
            )
        }
        for grouping in options["groups"] or GROUPINGS:
            groups = session_groups(matrix, grouping)
            results = mantel_haenszel_purified(
                matrix.values,
                groups,
                ability_from,
                n_strata=options["strata"],
                min_per_group=options["min_per_group"],
            )
            self._report(grouping, results, [labels[v] for v in matrix.versions])

    def _report(self, grouping: Grouping, results: tuple[ItemDif, ...], labels: list[str]) -> None:
        reference, focal = GROUP_LABELS[grouping]
        self.stdout.write(f"\nDIF {grouping}: reference = {reference}, focal = {focal}")
        self.stdout.write(
            f"{'item':<28} {'n ref':>6} {'n foc':>6} {'alpha':>6} {'delta':>6} "
            f"{'chi2':>7} {'p':>6}  ETS"
        )
        for item in results:
            self.stdout.write(_row(labels[item.index], item))
        flagged = [r for r in results if r.category == "C"]
        self.stdout.write(f"{len(flagged)} items in category C")


def _row(label: str, item: ItemDif) -> str:
    start = f"{label[:28]:<28} {item.n_reference:>6} {item.n_focal:>6}"
    if item.category is None:
        return f"{start}  {item.reason}"
    assert item.alpha is not None and item.delta is not None
    assert item.chi_square is not None and item.p_value is not None
    favours = f" (favours {item.favours})" if item.favours else ""
    return (
        f"{start} {item.alpha:>6.2f} {item.delta:>6.2f} {item.chi_square:>7.2f} "
        f"{item.p_value:>6.3f}  {item.category}{favours}"
    )
