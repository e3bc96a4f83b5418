"""Websocket consumers of a live game: the players' phones and the host's screen.

Protocol (JSON text frames; every server frame that reflects game state carries
``v``, the state version, so a client that sees a gap sends ``hello`` again):

Client → server
    ``{"t": "hello", "token": "…"?}``            identify (cookie or token) → ``snapshot``
    ``{"t": "join", "nickname": "…", "team": …}`` new player → ``joined`` + ``snapshot``
    ``{"t": "answer", "q": 3, "c": ["17"], "d": 240, "id": 9}``
                                                  → ``ack`` (also for a repeat) or ``reject``
    ``{"t": "ping", "rtt": 180}``                 → ``pong`` (rtt feeds the network panel)
    host only: ``{"t": "cmd", "c": "start|next|close|reveal|leaderboard|pause|resume|
                  skip|extend|kick|close_join|finish", "seconds": 10, "player_id": "…"}``

Server → client
    ``snapshot`` (whole screen), ``ev`` (an engine event: ``k`` kind, ``p`` payload),
    ``me`` (own points and rank after a reveal), ``ack``/``reject``, ``joined``,
    ``error``; host also ``count`` (answered X / N, a few times a second at most),
    ``lobby`` and ``network``.

``d`` is how long the question took to reach the device (ms, measured by the
client from the frame's arrival to the answers opening on its screen); the server
bounds it (see contest.live.scoring). No frame a player can receive holds the
correct options before the reveal: the engine's public views leave them out.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from contest.live import fanout, services
from contest.live.commands import (
    CloseLateJoin,
    CloseQuestion,
    Command,
    ExtendTime,
    Finish,
    Kick,
    Next,
    Pause,
    Resume,
    Reveal,
    ShowLeaderboard,
    Skip,
    Start,
)
from contest.live.connection import game_store
from contest.live.models import LiveGame
from contest.live.store import LockBusy

MAX_FRAME_BYTES = 2048
# Token bucket per socket: a phone answers once per question; bursts are reconnects.
BUCKET_SIZE = 20
BUCKET_RATE = 5.0
HOST_COUNT_SECONDS = 0.25
HOST_PANEL_SECONDS = 2.0
COOKIE_PREFIX = "hocvuso_live_"

HOST_COMMANDS: dict[str, Any] = {
    "start": Start,
    "next": Next,
    "close": CloseQuestion,
    "reveal": Reveal,
    "leaderboard": ShowLeaderboard,
    "pause": Pause,
    "resume": Resume,
    "skip": Skip,
    "close_join": CloseLateJoin,
    "finish": Finish,
}


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class _LiveConsumer(AsyncWebsocketConsumer):
    role = "player"

    async def connect(self) -> None:
        self.game_id = str(self.scope["url_route"]["kwargs"]["game_id"])
        self.player_id: str | None = None
        self.rtt_ms = 0
        self.last_seen = time.time()
        self.attached = False
        self.tokens = float(BUCKET_SIZE)
        self.refilled = time.monotonic()
        if not await game_store().exists(self.game_id):
            await self.close(code=4404)
            return
        if not await self.authorised():
            await self.close(code=4403)
            return
        await self.accept()
        await self.on_open()

    async def authorised(self) -> bool:
        return True

    async def on_open(self) -> None:
        return None

    async def disconnect(self, code: int) -> None:
        if self.attached:
            await fanout.hub.detach(self)
            if fanout.variant() == "groups":
                await self.leave_groups()

    async def send_text(self, text: str) -> None:
        await self.send(text_data=text)

    async def send_json(self, body: dict[str, Any]) -> None:
        await self.send(text_data=_dumps(body))

    async def attach(self) -> None:
        if not self.attached:
            await fanout.hub.attach(self)
            self.attached = True
            if fanout.variant() == "groups":
                await self.join_groups()

    async def join_groups(self) -> None:
        await self.channel_layer.group_add(fanout.group_all(self.game_id), self.channel_name)

    async def leave_groups(self) -> None:
        await self.channel_layer.group_discard(fanout.group_all(self.game_id), self.channel_name)

    async def live_frame(self, message: dict[str, Any]) -> None:
        """A frame from the `groups` fan-out variant."""
        await self.send(text_data=message["text"])

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BUCKET_SIZE, self.tokens + (now - self.refilled) * BUCKET_RATE)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        self.last_seen = time.time()
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            await self.send_error("invalid")
            return
        if not self.allow():
            await self.send_error("rate_limited")
            return
        try:
            body = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid")
            return
        if not isinstance(body, dict) or not isinstance(body.get("t"), str):
            await self.send_error("invalid")
            return
        if body["t"] == "ping":
            rtt = body.get("rtt")
            if isinstance(rtt, int) and 0 <= rtt < 600_000:
                self.rtt_ms = rtt
            await self.send_json({"t": "pong", "ts": body.get("ts")})
            return
        try:
            await self.handle(body)
        except services.LiveError as error:
            await self.send_error(error.code, error.message)
        except LockBusy:
            await self.send_error("busy")

    async def handle(self, body: dict[str, Any]) -> None:
        raise NotImplementedError

    async def send_error(self, code: str, message: str | None = None) -> None:
        await self.send_json(
            {"t": "error", "code": code, "message": message or services.reject_message(code)}
        )


class PlayerConsumer(_LiveConsumer):
    role = "player"

    async def on_open(self) -> None:
        cookie = self.scope.get("cookies", {}).get(COOKIE_PREFIX + self.game_id)
        if cookie:
            self.player_id = services.player_from_token(self.game_id, cookie)

    async def join_groups(self) -> None:
        await super().join_groups()
        if self.player_id is not None:
            group = fanout.group_player(self.game_id, self.player_id)
            await self.channel_layer.group_add(group, self.channel_name)

    async def leave_groups(self) -> None:
        await super().leave_groups()
        if self.player_id is not None:
            group = fanout.group_player(self.game_id, self.player_id)
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_frame(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])
        if message.get("kind") == "question_revealed" and self.player_id is not None:
            # Each socket asks for its own result: the O(N) cost of this variant.
            reveal = json.loads(message["text"])
            results = await game_store().ranks(self.game_id, [self.player_id])
            await self.send(text_data=fanout.own_result_text(reveal, results.get(self.player_id)))

    async def handle(self, body: dict[str, Any]) -> None:
        kind = body["t"]
        if kind == "hello":
            token = body.get("token")
            if isinstance(token, str) and token:
                self.player_id = services.player_from_token(self.game_id, token) or self.player_id
            await self.send_snapshot()
        elif kind == "join":
            await self.join(body)
        elif kind == "answer":
            await self.answer(body)
        else:
            await self.send_error("invalid")

    async def send_snapshot(self) -> None:
        if self.player_id is not None:
            await self.attach()
        snapshot = await services.player_snapshot(self.game_id, self.player_id)
        await self.send_json({"t": "snapshot", "v": snapshot["version"], "s": snapshot})

    async def join(self, body: dict[str, Any]) -> None:
        if self.player_id is not None:
            await self.send_snapshot()  # already in: a repeated join is a reconnect
            return
        nickname, team = body.get("nickname"), body.get("team")
        if not isinstance(nickname, str) or not (team is None or isinstance(team, str)):
            await self.send_error("nickname_invalid")
            return
        if not await self.join_allowed():
            await self.send_error("rate_limited")
            return
        outcome = await services.join(self.game_id, nickname, team=team or None)
        assert outcome.player is not None
        self.player_id = str(outcome.player["player_id"])
        token = services.player_token(self.game_id, self.player_id)
        await self.send_json(
            {
                "t": "joined",
                "token": token,
                "player_id": self.player_id,
                "cookie": COOKIE_PREFIX + self.game_id,
            }
        )
        await self.send_snapshot()

    @database_sync_to_async
    def join_allowed(self) -> bool:
        from community.rate_limits import allow

        client = self.scope.get("client") or ("unknown", 0)
        # A whole hall often shares one address (the venue's Wi-Fi): generous per address.
        return bool(allow("live-join", str(client[0]), limit=300, window_seconds=60))

    async def answer(self, body: dict[str, Any]) -> None:
        if self.player_id is None:
            await self.send_error("unknown_player")
            return
        index, choice, delay = body.get("q"), body.get("c"), body.get("d", 0)
        if (
            not isinstance(index, int)
            or not isinstance(choice, list)
            or not all(isinstance(c, str | int) for c in choice)
            or not isinstance(delay, int)
        ):
            await self.send_error("invalid_choice")
            return
        outcome = await services.answer(
            self.game_id,
            self.player_id,
            question_index=index,
            choice=choice,
            client_receive_delay_ms=delay,
        )
        if outcome.ok:
            await self.send_json(
                {
                    "t": "ack",
                    "id": body.get("id"),
                    "q": index,
                    "c": list(outcome.choice),
                    "ms": outcome.response_ms,
                    "dup": outcome.status == "duplicate",
                    "v": outcome.version,
                }
            )
        else:
            await self.send_json(
                {
                    "t": "reject",
                    "id": body.get("id"),
                    "q": index,
                    "code": outcome.status,
                    "message": services.reject_message(outcome.status),
                    "v": outcome.version,
                }
            )


class HostConsumer(_LiveConsumer):
    role = "host"

    async def authorised(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        return bool(await self._may_host(user))

    @database_sync_to_async
    def _may_host(self, user: Any) -> bool:
        game = LiveGame.objects.filter(key=self.game_id).first()
        return game is not None and (game.host_id == user.pk or user.is_superuser)

    async def on_open(self) -> None:
        await self.attach()
        await self.send_snapshot()
        self.panel_task = asyncio.ensure_future(self.panel())

    async def disconnect(self, code: int) -> None:
        task = getattr(self, "panel_task", None)
        if task is not None:
            task.cancel()
        await super().disconnect(code)

    async def join_groups(self) -> None:
        await super().join_groups()
        await self.channel_layer.group_add(fanout.group_host(self.game_id), self.channel_name)

    async def leave_groups(self) -> None:
        await super().leave_groups()
        await self.channel_layer.group_discard(fanout.group_host(self.game_id), self.channel_name)

    async def send_snapshot(self) -> None:
        snapshot = await services.host_snapshot(self.game_id)
        await self.send_json({"t": "snapshot", "v": snapshot["version"], "s": snapshot})

    async def handle(self, body: dict[str, Any]) -> None:
        kind = body["t"]
        if kind == "hello":
            await self.send_snapshot()
            return
        if kind != "cmd" or not isinstance(body.get("c"), str):
            await self.send_error("invalid")
            return
        name = body["c"]
        cmd: Command
        if name == "extend":
            seconds = body.get("seconds")
            if not isinstance(seconds, int | float):
                await self.send_error("invalid_argument")
                return
            cmd = ExtendTime(float(seconds))
        elif name == "kick":
            player_id = body.get("player_id")
            if not isinstance(player_id, str):
                await self.send_error("invalid_argument")
                return
            cmd = Kick(player_id)
        elif name in HOST_COMMANDS:
            cmd = HOST_COMMANDS[name]()
        else:
            await self.send_error("invalid")
            return
        outcome = await services.command(self.game_id, cmd)
        if outcome.error:
            await self.send_error(outcome.error)
        else:
            await self.send_json({"t": "ok", "c": name, "v": outcome.version})

    async def panel(self) -> None:
        """The host's counters: answered X / N while a question runs, lobby, network."""
        store = game_store()
        last_count: tuple[int, int] | None = None
        last_panel = 0.0
        while True:
            try:
                ctl = await store.ctl(self.game_id)
                index = int(ctl.get("question_index", -1))
                active = int(ctl.get("active", 0))
                if ctl.get("phase") == "question" and index >= 0:
                    count = (await store.answered_count(self.game_id, index), active)
                    if count != last_count:
                        last_count = count
                        await self.send_json(
                            {"t": "count", "q": index, "answered": count[0], "eligible": active}
                        )
                if time.monotonic() - last_panel >= HOST_PANEL_SECONDS:
                    last_panel = time.monotonic()
                    await self.send_panels(store, ctl, active)
            except asyncio.CancelledError:
                raise
            except Exception:
                fanout.logger.exception("live game %s: host panel failed", self.game_id)
            await asyncio.sleep(HOST_COUNT_SECONDS)

    async def send_panels(self, store: Any, ctl: dict[str, str], active: int) -> None:
        if ctl.get("phase") == "lobby":
            players, recent = await store.lobby(self.game_id)
            await self.send_json(
                {
                    "t": "lobby",
                    "players": players,
                    "recent": [r["nickname"] for r in recent],
                    "recent_players": recent,
                }
            )
        now = time.time()
        connected = slow = 0
        for report in (await store.network(self.game_id)).values():
            if now - float(report.get("at", 0)) <= 3 * fanout.NETWORK_REPORT_SECONDS:
                connected += int(report.get("connected", 0))
                slow += int(report.get("slow", 0))
        await self.send_json(
            {
                "t": "network",
                "connected": connected,
                "slow": slow,
                "offline": max(active - connected, 0),
                "players": active,
            }
        )
