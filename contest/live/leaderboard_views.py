"""The public leaderboard of a multi-venue live contest (projected at the provincial
square, read on phones): the combined top list and the rankings by commune and school."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from contest.live import leaderboards, services
from contest.live.models import LiveContest


@require_GET
def combined_leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(LiveContest, slug=slug)
    top = services.run(lambda: leaderboards.combined_top(contest))
    context = {
        "contest": contest,
        "top": top,
        "communes": leaderboards.by_commune(contest),
        "schools": leaderboards.by_school(contest),
        "venues": leaderboards.venues(contest),
    }
    response = render(request, "live/combined_leaderboard.html", context)
    response["Refresh"] = "15"  # a projected page keeps itself current without JavaScript
    return response
