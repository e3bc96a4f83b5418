"""Live games over websockets (Channels' WebsocketCommunicator, real Redis in CI):
a whole game, secrecy of the key, idempotent answers, reconnection, host controls."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from contest.live import services
from contest.live.models import LiveAnswer, LiveGame, LivePlayer
from tests.live_support import (
    connect,
    correct_option,
    eventually,
    host_socket,
    joined_player,
    make_game,
    player_socket,
    wrong_option,
)

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organiser(django_user_model):
    from django.contrib.auth.models import Group

    from community.roles import Role

    user = django_user_model.objects.create_user("host1", password="pw")
    user.groups.add(Group.objects.get(name=Role.ORGANISER.value))
    return user


@pytest.fixture
def game(organiser) -> LiveGame:
    game = make_game(organiser, questions=2)
    services.run(lambda: services.open_game(game))
    return game


def _key_texts(game: LiveGame) -> list[str]:
    return [correct_option(game, i) for i in range(game.questions.count())]


@pytest.mark.parametrize("fanout", ["process", "groups"])
async def test_a_whole_game_with_three_players(game, organiser, settings, fanout) -> None:
    settings.LIVE_FANOUT = fanout
    right = await sync_to_async(correct_option)(game, 0)
    wrong = await sync_to_async(wrong_option)(game, 0)
    host = await host_socket(game, organiser)
    snapshot = await host.until("snapshot")
    assert snapshot["s"]["phase"] == "lobby"

    players = [await joined_player(game, name) for name in ("Mai", "Lử", "Seo")]
    lobby = await host.until("lobby", where=lambda f: f["players"] == 3)
    assert set(lobby["recent"]) == {"Mai", "Lử", "Seo"}

    await host.send({"t": "cmd", "c": "start"})
    await host.until("ok")
    for sock, _token in players:
        started = await sock.until("ev", "question_started")
        content = started["p"]["content"]
        assert content["stem"] and len(content["options"]) == 3
        assert "correct_option_ids" not in started["p"]["question"]

    choices = [right, right, wrong]
    for (sock, _token), choice in zip(players, choices, strict=True):
        await sock.send({"t": "answer", "q": 0, "c": [choice], "d": 100, "id": 1})
        ack = await sock.until("ack")
        assert ack["c"] == [choice] and ack["dup"] is False
    # Everyone answered: the question closes without waiting for the deadline.
    await host.until("ev", "question_closed")

    await host.send({"t": "cmd", "c": "reveal"})
    revealed = await host.until("ev", "question_revealed")
    assert revealed["p"]["correct_option_ids"] == [right]
    assert revealed["p"]["explanation"]
    results = []
    for sock, _token in players:
        await sock.until("ev", "question_revealed")
        results.append(await sock.until("me"))
    assert [r["correct"] for r in results] == [True, True, False]
    assert results[2]["points"] == 0 and results[0]["points"] > 900
    assert sorted(r["rank"] for r in results) == [1, 2, 3]
    assert results[2]["rank"] == 3

    await host.send({"t": "cmd", "c": "leaderboard"})
    board = await host.until("ev", "leaderboard_shown")
    assert [row["nickname"] for row in board["p"]["top"]][2] == "Seo"
    await host.send({"t": "cmd", "c": "next"})
    await host.until("ev", "question_started")
    await host.send({"t": "cmd", "c": "finish"})
    await host.until("ev", "game_finished")

    # The record: every accepted answer, the final standings.
    async def recorded() -> bool:
        game_row = await LiveGame.objects.aget(pk=game.pk)
        ranked = await LivePlayer.objects.filter(game=game, rank__isnull=False).acount()
        return game_row.status == LiveGame.Status.FINISHED and ranked == 3

    await eventually(recorded)
    answers = [a async for a in LiveAnswer.objects.filter(game=game).order_by("player_id")]
    assert len(answers) == 3 and sum(bool(a.is_correct) for a in answers) == 2
    standings = [
        row
        async for row in LivePlayer.objects.filter(game=game)
        .order_by("rank")
        .values_list("nickname", "rank")
    ]
    assert standings[-1] == ("Seo", 3)
    assert (await LiveGame.objects.aget(pk=game.pk)).status == LiveGame.Status.FINISHED
    for sock, _token in [*players, (host, "")]:
        await sock.close()


async def test_no_player_frame_holds_the_key_before_the_reveal(game, organiser) -> None:
    keys = await sync_to_async(_key_texts)(game)
    host = await host_socket(game, organiser)
    await host.until("snapshot")
    sock, _token = await joined_player(game, "Nhàn")
    await host.send({"t": "cmd", "c": "start"})
    await sock.until("ev", "question_started")
    await sock.send({"t": "hello"})
    await sock.until("snapshot")
    for raw in sock.raw:
        assert "correct" not in raw
        assert "explanation" not in raw
    await sock.send({"t": "answer", "q": 0, "c": [keys[0]], "d": 0})
    await sock.until("ev", "question_closed")
    for raw in sock.raw:
        assert "correct_option_ids" not in raw
    await host.send({"t": "cmd", "c": "reveal"})
    revealed = await sock.until("ev", "question_revealed")
    assert revealed["p"]["correct_option_ids"] == [keys[0]]
    await sock.close()
    await host.close()


async def test_a_repeated_answer_is_acknowledged_once_and_counted_once(game, organiser) -> None:
    right = await sync_to_async(correct_option)(game, 0)
    wrong = await sync_to_async(wrong_option)(game, 0)
    host = await host_socket(game, organiser)
    a, _ = await joined_player(game, "An")
    b, _ = await joined_player(game, "Bình")
    await host.send({"t": "cmd", "c": "start"})
    await a.until("ev", "question_started")
    await a.send({"t": "answer", "q": 0, "c": [right], "d": 0, "id": 1})
    first = await a.until("ack")
    # A retry (lost ack) and a change of mind: both get the first answer back.
    await a.send({"t": "answer", "q": 0, "c": [right], "d": 0, "id": 2})
    again = await a.until("ack")
    await a.send({"t": "answer", "q": 0, "c": [wrong], "d": 0, "id": 3})
    changed = await a.until("ack")
    assert first["dup"] is False and again["dup"] is True and changed["dup"] is True
    assert again["c"] == changed["c"] == [right]
    assert again["ms"] == first["ms"]
    count = await host.until("count", where=lambda f: f["answered"] > 0)
    assert count["answered"] == 1 and count["eligible"] == 2
    await b.send({"t": "answer", "q": 0, "c": [wrong], "d": 0})
    await b.until("ack")
    await host.until("ev", "question_closed")
    await host.send({"t": "cmd", "c": "reveal"})
    await host.until("ev", "question_revealed")

    async def both() -> bool:
        return await LiveAnswer.objects.filter(game=game, points__isnull=False).acount() == 2

    await eventually(both)
    rows = [row async for row in LiveAnswer.objects.filter(game=game, question_index=0)]
    assert len(rows) == 2
    for sock in (a, b, host):
        await sock.close()


async def test_a_player_who_reconnects_keeps_identity_score_and_question(game, organiser) -> None:
    right = await sync_to_async(correct_option)(game, 0)
    host = await host_socket(game, organiser)
    sock, token = await joined_player(game, "Chư")
    other, _ = await joined_player(game, "Dũng")
    await host.send({"t": "cmd", "c": "start"})
    await sock.until("ev", "question_started")
    await sock.send({"t": "answer", "q": 0, "c": [right], "d": 0})
    await sock.until("ack")
    await sock.close()  # signal lost

    again = await player_socket(game)
    await again.send({"t": "hello", "token": token})
    snapshot = (await again.until("snapshot"))["s"]
    assert snapshot["me"]["nickname"] == "Chư"
    assert snapshot["me"]["answered"] is True and snapshot["me"]["choice"] == [right]
    assert snapshot["question_index"] == 0 and snapshot["question"]["content"]["stem"]
    # Answering again after the reconnect is the same answer, not a second one.
    await again.send({"t": "answer", "q": 0, "c": [right], "d": 0})
    assert (await again.until("ack"))["dup"] is True

    await other.send({"t": "answer", "q": 0, "c": [right], "d": 0})
    await host.until("ev", "question_closed")
    await host.send({"t": "cmd", "c": "reveal"})
    await again.until("ev", "question_revealed")
    me = await again.until("me")
    assert me["correct"] is True and me["score"] > 0
    # A later reconnect shows the score and rank from the snapshot alone.
    await again.close()
    third = await player_socket(game)
    await third.send({"t": "hello", "token": token})
    snap = (await third.until("snapshot"))["s"]
    assert snap["me"]["score"] == me["score"] and snap["me"]["rank"] == me["rank"]
    assert snap["me"]["result"]["is_correct"] is True
    assert snap["question"]["correct_option_ids"] == [right]
    for s in (third, other, host):
        await s.close()


async def test_late_answers_and_bad_frames_are_refused_in_vietnamese(game, organiser) -> None:
    right = await sync_to_async(correct_option)(game, 0)
    host = await host_socket(game, organiser)
    sock, _ = await joined_player(game, "Hoa")
    await sock.send({"t": "answer", "q": 0, "c": [right], "d": 0})
    early = await sock.until("reject")
    assert early["code"] == "not_open" and "chưa mở" in early["message"]
    await host.send({"t": "cmd", "c": "start"})
    await sock.until("ev", "question_started")
    await sock.send({"t": "answer", "q": 0, "c": ["999999"], "d": 0})
    assert (await sock.until("reject"))["code"] == "invalid_choice"
    later = await sync_to_async(correct_option)(game, 1)
    await sock.send({"t": "answer", "q": 1, "c": [later], "d": 0})
    assert (await sock.until("reject"))["code"] == "wrong_question"
    await sock.ws.send_to(text_data="{not json")
    assert (await sock.until("error"))["code"] == "invalid"
    await host.send({"t": "cmd", "c": "extend", "seconds": 10})
    extended = await sock.until("ev", "time_extended")
    assert extended["p"]["seconds"] == 10
    await host.send({"t": "cmd", "c": "reveal"})
    refused = await host.until("error")
    assert refused["code"] == "not_yet" and refused["message"]
    for s in (sock, host):
        await s.close()


async def test_kick_and_nickname_rules(game, organiser) -> None:
    host = await host_socket(game, organiser)
    sock, token = await joined_player(game, "Tuấn")
    rude = await player_socket(game)
    await rude.send({"t": "join", "nickname": "Đ.M"})
    assert (await rude.until("error"))["code"] == "nickname_blocked"
    await rude.send({"t": "join", "nickname": "tuấn"})
    assert (await rude.until("error"))["code"] == "nickname_taken"
    snapshot = await services_player(game, token)
    player_id = snapshot["me"]["player_id"]
    bystander, _ = await joined_player(game, "Vân")
    seen = bystander.frames[-1]["v"]  # the version of its snapshot
    await host.send({"t": "cmd", "c": "kick", "player_id": player_id})
    kicked = await sock.until("ev", "player_kicked")
    assert kicked["p"]["player_id"] == player_id
    await host.send({"t": "cmd", "c": "start"})
    await sock.until("ev", "question_started")
    # The kick advanced the version for the host only: the bystander's next frame says
    # it missed nothing ("pv" is not newer than what it has), so it needs no snapshot.
    started = await bystander.until("ev", "game_started")
    assert started["v"] > seen + 1 and started["pv"] <= seen
    right = await sync_to_async(correct_option)(game, 0)
    await sock.send({"t": "answer", "q": 0, "c": [right], "d": 0})
    assert (await sock.until("reject"))["code"] == "kicked"
    for s in (sock, rude, host, bystander):
        await s.close()


async def services_player(game: LiveGame, token: str) -> dict:
    player_id = services.player_from_token(game.key, token)
    return await services.player_snapshot(game.key, player_id)


async def test_only_the_games_host_may_drive_it(game, django_user_model) -> None:
    from tests.live_support import session_cookie

    stranger = await sync_to_async(django_user_model.objects.create_user)("other", password="pw")
    cookie = await sync_to_async(session_cookie)(stranger)
    _sock, connected, code = await connect(f"/ws/live/{game.key}/host/", cookie=cookie)
    assert not connected and code == 4403
    _sock, connected, code = await connect(f"/ws/live/{game.key}/host/")
    assert not connected
    _sock, connected, code = await connect("/ws/live/nosuchgame/play/")
    assert not connected and code == 4404


async def test_a_foreign_origin_is_refused(game) -> None:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    communicator = WebsocketCommunicator(
        application, f"/ws/live/{game.key}/play/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _code = await communicator.connect(timeout=5)
    assert not connected
