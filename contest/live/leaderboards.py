"""Leaderboards of a multi-venue live contest: every venue's game in one ranking.

The combined top list comes from Redis while games run (a sorted set fed at each
scoring, see GameStore.write_combined), so it is current between questions. The
rankings by commune and by school come from PostgreSQL: the final scores of the
contest's finished games, the record that reports and certificates use.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Coalesce

from contest.live.connection import game_store
from contest.live.engine import Json
from contest.live.models import LiveContest, LiveGame, LivePlayer


@dataclass(frozen=True, slots=True)
class GroupStanding:
    rank: int
    name: str
    players: int
    total: int
    mean: float


async def combined_top(contest: LiveContest, n: int = 20) -> list[Json]:
    return await game_store().combined_top(contest.pk, n)


def _finished_players(contest: LiveContest):  # type: ignore[no-untyped-def]
    return LivePlayer.objects.filter(
        game__live_contest=contest,
        game__status=LiveGame.Status.FINISHED,
        kicked=False,
        score__isnull=False,
    )


def by_commune(contest: LiveContest) -> list[GroupStanding]:
    """A player counts for their own commune, else the commune of the venue they played at."""
    rows = (
        _finished_players(contest)
        .annotate(unit=Coalesce(F("commune__name"), F("game__venue_commune__name")))
        .exclude(unit=None)
        .values("unit")
        .annotate(players=Count("pk"), total=Sum("score"), mean=Avg("score"))
    )
    return _ranked(rows, "unit")


def by_school(contest: LiveContest) -> list[GroupStanding]:
    rows = (
        _finished_players(contest)
        .exclude(school=None)
        .values("school__name")
        .annotate(players=Count("pk"), total=Sum("score"), mean=Avg("score"))
    )
    return _ranked(rows, "school__name")


def _ranked(rows, name_field: str) -> list[GroupStanding]:  # type: ignore[no-untyped-def]
    # Mean score first, so a big commune does not win by headcount alone.
    ordered = sorted(rows, key=lambda r: (-float(r["mean"]), -int(r["total"]), r[name_field]))
    return [
        GroupStanding(
            i, r[name_field], int(r["players"]), int(r["total"]), round(float(r["mean"]), 1)
        )
        for i, r in enumerate(ordered, start=1)
    ]


def venues(contest: LiveContest) -> list[LiveGame]:
    return list(
        contest.games.select_related("venue_commune")
        .annotate(player_count=Count("players", filter=Q(players__kicked=False)))
        .order_by("venue", "pk")
    )
