"""One live contest played in several venues: a combined leaderboard across their games
(live, from Redis) and rankings by commune and school from the finished games' record."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User

from community.models import Commune
from community.roles import Role
from contest.live import leaderboards, services
from contest.live.models import LiveContest, LiveGame, LivePlayer
from tests.live_support import (
    correct_option,
    eventually,
    host_socket,
    joined_player,
    make_game,
    wrong_option,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


def _setup() -> tuple[LiveContest, list[LiveGame], User]:
    host = User.objects.create_user("venue-host", password="pw")
    host.groups.add(Group.objects.get(name=Role.ORGANISER.value))
    contest = LiveContest.objects.create(title="Ngày hội 10/10", slug="ngay-hoi", created_by=host)
    communes = list(Commune.objects.order_by("code")[:2])
    games = []
    for commune in communes:
        game = make_game(host, questions=1, live_contest=contest, venue="")
        game.venue_commune = commune
        game.save(update_fields=["venue_commune"])
        _open(game)
        games.append(game)
    return contest, games, host


def _open(game: LiveGame) -> None:
    services.run(lambda: services.open_game(game))


async def _play(game: LiveGame, host_user: User, answers: dict[str, bool]) -> None:
    right = await sync_to_async(correct_option)(game, 0)
    wrong = await sync_to_async(wrong_option)(game, 0)
    host = await host_socket(game, host_user)
    players = [(await joined_player(game, name), ok) for name, ok in answers.items()]
    await host.send({"t": "cmd", "c": "start"})
    for (sock, _token), ok in players:
        await sock.until("ev", "question_started")
        await sock.send({"t": "answer", "q": 0, "c": [right if ok else wrong], "d": 0})
        await sock.until("ack")
    await host.until("ev", "question_closed")
    await host.send({"t": "cmd", "c": "reveal"})
    await host.until("ev", "question_revealed")
    await host.send({"t": "cmd", "c": "finish"})
    await host.until("ev", "game_finished")
    for (sock, _token), _ok in players:
        await sock.close()
    await host.close()


async def test_two_venues_feed_one_leaderboard_and_commune_ranking() -> None:
    contest, games, host = await sync_to_async(_setup)()
    await _play(games[0], host, {"Á": True, "Bế": False})
    await _play(games[1], host, {"Cầm": True, "Dì": True})

    async def both_finished() -> bool:
        done = LiveGame.objects.filter(live_contest=contest, status=LiveGame.Status.FINISHED)
        return await done.acount() == 2

    await eventually(both_finished)

    top = await leaderboards.combined_top(contest)
    assert [row["nickname"] for row in top][:1] in (["Á"], ["Cầm"], ["Dì"])
    assert {row["nickname"] for row in top} == {"Á", "Bế", "Cầm", "Dì"}
    assert top[-1]["nickname"] == "Bế" and top[-1]["score"] == 0
    venues = {row["venue"] for row in top}
    names = await sync_to_async(lambda: {str(g.venue_commune) for g in games})()
    assert venues == names

    communes = await sync_to_async(leaderboards.by_commune)(contest)
    # The second venue's two correct players beat the first venue's one of two.
    assert [c.name for c in communes] == await sync_to_async(_venue_names)(games[::-1])
    assert communes[0].players == 2 and communes[1].total < communes[0].total
    assert await LivePlayer.objects.filter(game__live_contest=contest).acount() == 4


def _venue_names(games: list[LiveGame]) -> list[str]:
    return [str(Commune.objects.get(pk=g.venue_commune_id).name) for g in games]


def test_the_public_page_shows_the_combined_ranking(client) -> None:
    contest, _games, _host = _setup()
    response = client.get(f"/truc-tiep/{contest.slug}/xep-hang/")
    assert response.status_code == 200
    assert "Ngày hội 10/10" in response.content.decode()
    assert response["Refresh"] == "15"
    assert client.get("/truc-tiep/khong-co/xep-hang/").status_code == 404
