"""A websocket client for live games served by real daphne processes (aiohttp).

Used by the multi-process tests; the same frames as tests/live_support.py's
in-process sockets, over a real TCP connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp


class RemoteSocket:
    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.session = session
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, port: int, path: str, *, cookie: str | None = None) -> RemoteSocket:
        headers = {"Origin": f"http://127.0.0.1:{port}"}
        if cookie:
            headers["Cookie"] = cookie
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(f"http://127.0.0.1:{port}{path}", headers=headers)
        except Exception:
            await session.close()
            raise
        return cls(session, ws)

    async def send(self, body: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(body))

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        message = await asyncio.wait_for(self.ws.receive(), timeout)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"socket closed: {message.type}")
        frame: dict[str, Any] = json.loads(message.data)
        self.frames.append(frame)
        return frame

    async def until(
        self,
        t: str,
        kind: str | None = None,
        timeout: float = 10.0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + timeout
        while True:
            frame = await self.next(max(give_up - loop.time(), 0.01))
            matches = frame["t"] == t and (kind is None or frame.get("k") == kind)
            if matches and (where is None or where(frame)):
                return frame

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


async def remote_join(port: int, game_key: str, nickname: str) -> tuple[RemoteSocket, str, str]:
    sock = await RemoteSocket.open(port, f"/ws/live/{game_key}/play/")
    await sock.send({"t": "join", "nickname": nickname})
    joined = await sock.until("joined")
    await sock.until("snapshot")
    return sock, joined["token"], joined["player_id"]


async def remote_rejoin(
    port: int, game_key: str, token: str
) -> tuple[RemoteSocket, dict[str, Any]]:
    sock = await RemoteSocket.open(port, f"/ws/live/{game_key}/play/")
    await sock.send({"t": "hello", "token": token})
    snapshot = await sock.until("snapshot")
    return sock, snapshot["s"]
