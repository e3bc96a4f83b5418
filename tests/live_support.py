"""Helpers for live-game tests: a small game, websocket clients and frame matching."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from contest.live import services
from contest.live.models import LiveGame
from tests.contest_fixtures import publish_bank

ORIGIN = (b"origin", b"http://testserver")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    """Wait for the PostgreSQL record, which follows the game in the background."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while not await check():
        assert loop.time() < give_up, "the record did not arrive in time"
        await asyncio.sleep(0.1)


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    """The same for sync tests (a browser test against a server process)."""
    give_up = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < give_up, "the record did not arrive in time"
        time.sleep(0.1)


def make_game(host: User, *, questions: int = 3, **overrides: Any) -> LiveGame:
    versions = publish_bank(questions, prefix=f"live{LiveGame.objects.count()}")
    options = {"time_limit_seconds": 20, "read_seconds": 0, **overrides}
    return services.create_game(host=host, title="Đố vui 10/10", versions=versions, **options)


def correct_option(game: LiveGame, index: int) -> str:
    row = game.questions.select_related("version").get(position=index)
    return str(row.version.options.get(is_correct=True).pk)


def wrong_option(game: LiveGame, index: int) -> str:
    row = game.questions.select_related("version").get(position=index)
    return str(row.version.options.filter(is_correct=False).first().pk)  # type: ignore[union-attr]


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class Socket:
    """A websocket client that keeps every frame it received, to search and to audit."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.ws = communicator
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []

    async def send(self, body: dict[str, Any]) -> None:
        await self.ws.send_to(text_data=json.dumps(body))

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        text = await self.ws.receive_from(timeout=timeout)
        self.raw.append(text)
        frame = json.loads(text)
        self.frames.append(frame)
        return frame

    async def until(
        self,
        t: str,
        kind: str | None = None,
        timeout: float = 5.0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """The next frame of type `t` (and event kind `kind`, and matching `where`)."""
        while True:
            frame = await self.next(timeout)
            matches = frame["t"] == t and (kind is None or frame.get("k") == kind)
            if matches and (where is None or where(frame)):
                return frame

    async def close(self) -> None:
        await self.ws.disconnect()


async def connect(path: str, *, cookie: bytes | None = None) -> tuple[Socket, bool, int | None]:
    from config.asgi import application

    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return Socket(communicator), connected, code


async def host_socket(game: LiveGame, user: User) -> Socket:
    cookie = await sync_to_async(session_cookie)(user)
    sock, connected, code = await connect(f"/ws/live/{game.key}/host/", cookie=cookie)
    assert connected, code
    return sock


async def player_socket(game: LiveGame) -> Socket:
    sock, connected, code = await connect(f"/ws/live/{game.key}/play/")
    assert connected, code
    return sock


async def joined_player(game: LiveGame, nickname: str) -> tuple[Socket, str]:
    """A player who joined; returns the socket and the reconnect token."""
    sock = await player_socket(game)
    await sock.send({"t": "join", "nickname": nickname})
    joined = await sock.until("joined")
    await sock.until("snapshot")
    return sock, joined["token"]
