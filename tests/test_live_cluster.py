"""Live games across two daphne processes sharing real Redis and PostgreSQL.

The host drives the game through one process while the players sit on the other;
then one process is killed (SIGKILL) mid-game and its players carry on through the
survivor with their identity, score and every acknowledged answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client

from community.roles import Role
from contest.live import services
from contest.live.models import LiveAnswer, LiveGame, LivePlayer
from tests.live_remote import RemoteSocket, remote_join, remote_rejoin
from tests.live_support import correct_option, eventually, make_game, wrong_option
from tests.server_process import DaphneServer, free_port, server_env

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.REDIS_URL
        or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="several processes share a game only through real Redis and PostgreSQL",
    ),
]


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[DaphneServer, DaphneServer]]:
    env = server_env()
    pair = (
        DaphneServer(free_port(), env, tmp_path / "a.log"),
        DaphneServer(free_port(), env, tmp_path / "b.log"),
    )
    try:
        for server in pair:
            server.start()
        yield pair
    finally:
        for server in pair:
            server.stop()


@pytest.fixture
def host_user(db) -> User:
    user = User.objects.create_user("host-cluster", password="pw")
    user.groups.add(Group.objects.get(name=Role.ORGANISER.value))
    return user


def _session(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def _open_game(user: User, questions: int) -> LiveGame:
    game = make_game(user, questions=questions)
    services.run(lambda: services.open_game(game))
    return game


async def test_host_on_one_process_players_on_the_other(servers, host_user) -> None:
    a, b = servers
    game = await sync_to_async(_open_game)(host_user, 2)
    right = await sync_to_async(correct_option)(game, 0)
    wrong = await sync_to_async(wrong_option)(game, 0)
    cookie = await sync_to_async(_session)(host_user)
    host = await RemoteSocket.open(a.port, f"/ws/live/{game.key}/host/", cookie=cookie)
    await host.until("snapshot")
    players = [await remote_join(b.port, game.key, name) for name in ("Lan", "Páo", "Sử")]
    await host.until("lobby", where=lambda f: f["players"] == 3)

    await host.send({"t": "cmd", "c": "start"})
    for sock, _token, _pid in players:
        started = await sock.until("ev", "question_started")
        assert started["p"]["content"]["options"]
    for (sock, _token, _pid), choice in zip(players, (right, right, wrong), strict=True):
        await sock.send({"t": "answer", "q": 0, "c": [choice], "d": 50})
        assert (await sock.until("ack"))["c"] == [choice]
    # The host, on the other process, sees the close with everyone counted.
    closed = await host.until("ev", "question_closed")
    assert closed["p"]["answered"] == 3 and closed["p"]["eligible"] == 3
    network = await host.until("network", where=lambda f: f["connected"] == 3)
    assert network["offline"] == 0

    await host.send({"t": "cmd", "c": "reveal"})
    ranks = []
    for sock, _token, _pid in players:
        await sock.until("ev", "question_revealed")
        ranks.append((await sock.until("me"))["rank"])
    assert sorted(ranks) == [1, 2, 3] and ranks[2] == 3
    await host.send({"t": "cmd", "c": "finish"})
    for sock, _token, _pid in players:
        await sock.until("ev", "game_finished")
        await sock.close()
    await host.close()

    async def recorded() -> bool:
        return await LiveAnswer.objects.filter(game=game).acount() == 3

    await eventually(recorded)


async def test_a_killed_process_loses_no_player_and_no_acknowledged_answer(
    servers, host_user
) -> None:
    a, b = servers
    questions = 3
    game = await sync_to_async(_open_game)(host_user, questions)
    keys = [await sync_to_async(correct_option)(game, i) for i in range(questions)]
    cookie = await sync_to_async(_session)(host_user)
    host = await RemoteSocket.open(a.port, f"/ws/live/{game.key}/host/", cookie=cookie)
    await host.until("snapshot")
    # Six players, three on each process.
    seats = []
    for i in range(6):
        port = a.port if i % 2 == 0 else b.port
        sock, token, pid = await remote_join(port, game.key, f"Người {i}")
        seats.append({"sock": sock, "token": token, "pid": pid, "port": port})
    acked: dict[tuple[str, int], list[str]] = {}

    async def play(index: int) -> None:
        for seat in seats:
            await seat["sock"].until("ev", "question_started")
        for seat in seats:
            await seat["sock"].send({"t": "answer", "q": index, "c": [keys[index]], "d": 0})
        for seat in seats:
            ack = await seat["sock"].until("ack")
            acked[(seat["pid"], index)] = ack["c"]
        await host.until("ev", "question_closed")
        await host.send({"t": "cmd", "c": "reveal"})
        for seat in seats:
            await seat["sock"].until("me")
        if index + 1 < questions:
            await host.send({"t": "cmd", "c": "next"})

    await host.send({"t": "cmd", "c": "start"})
    await play(0)
    scores_before = {}
    for seat in seats:
        seat["sock"].frames.clear()

    # Process B dies without warning, right after question 2 opened.
    for seat in seats:
        await seat["sock"].until("ev", "question_started")
    b.kill()
    for seat in seats:
        if seat["port"] == b.port:
            with contextlib.suppress(Exception):  # the peer is gone; closing is best effort
                await seat["sock"].close()
            sock, snapshot = await remote_rejoin(a.port, game.key, seat["token"])
            seat["sock"], seat["port"] = sock, a.port
            assert snapshot["me"]["player_id"] == seat["pid"]
            assert snapshot["question_index"] == 1 and snapshot["phase"] == "question"
            scores_before[seat["pid"]] = snapshot["me"]["score"]
            assert snapshot["me"]["score"] > 0  # question 1's points survived
    # Everyone answers question 2 on the survivor.
    for seat in seats:
        await seat["sock"].send({"t": "answer", "q": 1, "c": [keys[1]], "d": 0})
    for seat in seats:
        acked[(seat["pid"], 1)] = (await seat["sock"].until("ack"))["c"]
    await host.until("ev", "question_closed")
    await host.send({"t": "cmd", "c": "reveal"})
    for seat in seats:
        me = await seat["sock"].until("me")
        if seat["pid"] in scores_before:
            assert me["score"] > scores_before[seat["pid"]]
    await host.send({"t": "cmd", "c": "next"})
    await play(2)
    await host.send({"t": "cmd", "c": "finish"})
    await host.until("ev", "game_finished")

    async def finished() -> bool:
        ranked = await LivePlayer.objects.filter(game=game, rank__isnull=False).acount()
        return ranked == len(seats) and await LiveAnswer.objects.filter(
            game=game, points__isnull=False
        ).acount() == len(acked)

    await eventually(finished)
    stored = {
        (row.player_id, row.question_index): row.choice
        async for row in LiveAnswer.objects.filter(game=game)
    }
    assert stored == acked  # every acknowledged answer, once, as acknowledged
    async for player in LivePlayer.objects.filter(game=game):
        points = [
            row.points or 0
            async for row in LiveAnswer.objects.filter(game=game, player_id=player.player_id)
        ]
        assert player.score == sum(points) and player.correct_count == questions
    for seat in seats:
        await seat["sock"].close()
    await host.close()
