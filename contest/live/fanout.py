"""Delivering a game's events to the sockets connected to it, in every process.

Two variants, chosen by `settings.LIVE_FANOUT` and compared by
`benchmarks/live_swarm.py`:

``process`` (default): one Redis PUBLISH per event on the game's channel. Each
daphne process holds one subscription per game it has sockets for and hands the
already-serialised text to its local sockets. Redis sends each event once per
process, not once per player, and nothing is queued per player in Redis.

``groups``: Channels' ``group_send`` to a group of every socket (plus a host
group and one group per player for the rare per-player event). channels_redis
then sends one message per member channel: O(players) Redis work per event, and
messages past a channel's capacity are dropped silently.

Either way a frame carries the game's state version, so a client that misses one
asks for a snapshot. A process with sockets for a game also keeps its clock (it
closes the question at the deadline if nobody else has) and reports how many of
its players are connected and how many are slow, for the host's network panel.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.layers import get_channel_layer
from django.conf import settings

from contest.live.connection import game_store

logger = logging.getLogger(__name__)

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"
NETWORK_REPORT_SECONDS = 2.0
SLOW_RTT_MS = 1500
SILENT_AFTER_SECONDS = 15.0
# Sending to a local socket does not yield to the event loop; a big room yields every
# so often so that answers arriving meanwhile are acknowledged without waiting.
YIELD_EVERY = 64
DEADLINE_KINDS = frozenset({"question_started", "time_extended", "game_resumed"})
STOP_CLOCK_KINDS = frozenset({"question_closed", "game_paused", "game_finished", "question_voided"})


@dataclass(frozen=True, slots=True)
class Frame:
    audience: str  # "all", "host", "player" or "server"
    kind: str
    text: str
    player_id: str | None = None
    deadline: float | None = None


class LiveSocket(Protocol):
    """What the hub needs of a consumer."""

    game_id: str
    role: str  # "player" or "host"
    player_id: str | None
    rtt_ms: int
    last_seen: float

    async def send_text(self, text: str) -> None: ...


def variant() -> str:
    return getattr(settings, "LIVE_FANOUT", "process")


def channel(game_id: str) -> str:
    return f"live:{{{game_id}}}:bus"


def group_all(game_id: str) -> str:
    return f"live.{game_id}.all"


def group_host(game_id: str) -> str:
    return f"live.{game_id}.host"


def group_player(game_id: str, player_id: str) -> str:
    return f"live.{game_id}.p.{player_id}"


async def publish(game_id: str, frames: list[Frame]) -> None:
    frames = [f for f in frames if f.audience != "server"]
    if not frames:
        return
    if variant() == "groups":
        layer = get_channel_layer()
        assert layer is not None
        for f in frames:
            if f.audience == "player":
                assert f.player_id is not None
                group = group_player(game_id, f.player_id)
            else:
                group = group_all(game_id) if f.audience == "all" else group_host(game_id)
            message = {"type": "live.frame", "kind": f.kind, "text": f.text, "deadline": f.deadline}
            await layer.group_send(group, message)
        # The clock still needs to hear of deadlines in this variant.
        await _publish_bus(
            game_id,
            [f for f in frames if f.kind in DEADLINE_KINDS | STOP_CLOCK_KINDS],
            clock_only=True,
        )
        return
    await _publish_bus(game_id, frames, clock_only=False)


async def _publish_bus(game_id: str, frames: list[Frame], *, clock_only: bool) -> None:
    if not frames:
        return
    redis: Any = game_store().redis
    pipe = redis.pipeline(transaction=False)
    for f in frames:
        header = {
            "a": "clock" if clock_only else f.audience,
            "k": f.kind,
            "p": f.player_id,
            "d": f.deadline,
        }
        pipe.publish(channel(game_id), json.dumps(header) + "\n" + f.text)
    await pipe.execute()


@dataclass(eq=False)
class Room:
    """This process's sockets for one game, its clock and its network report."""

    game_id: str
    players: dict[str, set[Any]] = field(default_factory=dict)
    hosts: set[Any] = field(default_factory=set)
    clock_task: asyncio.Task[None] | None = None
    report_task: asyncio.Task[None] | None = None

    def empty(self) -> bool:
        return not self.players and not self.hosts

    def sockets(self) -> list[Any]:
        out = list(self.hosts)
        for group in self.players.values():
            out.extend(group)
        return out

    async def deliver(self, header: dict[str, Any], text: str) -> None:
        audience, kind = header["a"], header["k"]
        if audience != "clock":
            if audience == "all":
                targets = self.sockets()
            elif audience == "host":
                targets = list(self.hosts)
            else:
                targets = list(self.players.get(header.get("p") or "", ()))
            for i, sock in enumerate(targets, start=1):
                await _safe_send(sock, text)
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let answers in between
            if kind == "question_revealed" and variant() == "process":
                await self.send_own_results(text)
        self.follow_clock(kind, header.get("d"))

    async def send_own_results(self, revealed_text: str) -> None:
        """After a reveal each player hears their own points and rank: one Redis call
        for all of this process's players, then one small frame each."""
        reveal = json.loads(revealed_text)
        ids = list(self.players)
        results = await game_store().ranks(self.game_id, ids)
        for i, pid in enumerate(ids, start=1):
            text = own_result_text(reveal, results.get(pid))
            for sock in list(self.players.get(pid, ())):
                await _safe_send(sock, text)
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    def follow_clock(self, kind: str, deadline: float | None) -> None:
        if kind in DEADLINE_KINDS and deadline is not None:
            self._restart_clock(deadline)
        elif kind in STOP_CLOCK_KINDS and self.clock_task is not None:
            self.clock_task.cancel()
            self.clock_task = None

    def _restart_clock(self, deadline: float) -> None:
        if self.clock_task is not None:
            self.clock_task.cancel()
        self.clock_task = asyncio.ensure_future(self._run_clock(deadline))

    async def _run_clock(self, deadline: float) -> None:
        from contest.live import services

        # A little jitter so the processes of a big game do not all load the state.
        await asyncio.sleep(max(deadline - time.time(), 0) + random.uniform(0.02, 0.25))
        store = game_store()
        for _attempt in range(40):
            ctl = await store.ctl(self.game_id)
            if ctl.get("phase") != "question" or not ctl.get("deadline"):
                return
            if float(ctl["deadline"]) > time.time():  # extended meanwhile
                await asyncio.sleep(float(ctl["deadline"]) - time.time() + 0.05)
                continue
            try:
                await services.clock(self.game_id)
            except (
                Exception
            ):  # keep the clock alive; the next attempt or another process will do it
                logger.exception("live game %s: clock failed", self.game_id)
            await asyncio.sleep(0.3)

    async def report_network(self) -> None:
        store = game_store()
        while True:
            now = time.time()
            connected = slow = 0
            for group in self.players.values():
                if not group:
                    continue
                connected += 1
                best = min(group, key=lambda s: s.rtt_ms)
                if best.rtt_ms > SLOW_RTT_MS or now - best.last_seen > SILENT_AFTER_SECONDS:
                    slow += 1
            counts = {"connected": connected, "slow": slow, "hosts": len(self.hosts), "at": now}
            try:
                await store.report_network(self.game_id, PROCESS_ID, counts)
            except Exception:
                logger.exception("live game %s: network report failed", self.game_id)
            await asyncio.sleep(NETWORK_REPORT_SECONDS)


def own_result_text(reveal: dict[str, Any], result: tuple[int, int, int, bool] | None) -> str:
    payload = reveal["p"]
    body: dict[str, Any] = {"t": "me", "v": reveal["v"], "q": payload["question_index"]}
    if result is None:
        body.update(rank=None, score=None, points=0, correct=False)
    else:
        rank, score, points, correct = result
        body.update(rank=rank, score=score, points=points, correct=correct)
    return json.dumps(body, separators=(",", ":"))


async def _safe_send(sock: Any, text: str) -> None:
    try:
        await sock.send_text(text)
    except Exception:  # a socket that just went away: its disconnect cleans up
        logger.debug("live: send to a closing socket failed", exc_info=True)


class Hub:
    """This process's rooms and its one Redis subscription."""

    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.pubsub: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def attach(self, sock: LiveSocket) -> Room:
        self._check_loop()
        room = self.rooms.get(sock.game_id)
        if room is None:
            room = Room(sock.game_id)
            self.rooms[sock.game_id] = room
            await self._subscribe(sock.game_id)
            room.report_task = asyncio.ensure_future(room.report_network())
            ctl = await game_store().ctl(sock.game_id)
            if ctl.get("phase") == "question" and ctl.get("deadline"):
                room.follow_clock("question_started", float(ctl["deadline"]))
        if sock.role == "host":
            room.hosts.add(sock)
        else:
            assert sock.player_id is not None
            room.players.setdefault(sock.player_id, set()).add(sock)
        return room

    async def detach(self, sock: LiveSocket) -> None:
        room = self.rooms.get(sock.game_id)
        if room is None:
            return
        if sock.role == "host":
            room.hosts.discard(sock)
        elif sock.player_id is not None:
            group = room.players.get(sock.player_id)
            if group is not None:
                group.discard(sock)
                if not group:
                    del room.players[sock.player_id]
        if room.empty():
            del self.rooms[sock.game_id]
            for task in (room.clock_task, room.report_task):
                if task is not None:
                    task.cancel()
            await self._unsubscribe(sock.game_id)
            try:
                await game_store().redis.hdel(f"live:{{{sock.game_id}}}:net", PROCESS_ID)
            except Exception:
                logger.debug("live: could not clear the network report", exc_info=True)

    def _check_loop(self) -> None:
        # Tests run many event loops in one process; a hub belongs to one loop.
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.rooms.clear()
            self.pubsub = None
            self.reader = None
            self.loop = loop

    async def _subscribe(self, game_id: str) -> None:
        if self.pubsub is None:
            self.pubsub = game_store().redis.pubsub(ignore_subscribe_messages=True)
            await self.pubsub.subscribe(channel(game_id))
            self.reader = asyncio.ensure_future(self._read())
        else:
            await self.pubsub.subscribe(channel(game_id))

    async def _unsubscribe(self, game_id: str) -> None:
        if self.pubsub is not None:
            await self.pubsub.unsubscribe(channel(game_id))

    async def _read(self) -> None:
        assert self.pubsub is not None
        while True:
            try:
                message = await self.pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live: subscription failed; resubscribing")
                await asyncio.sleep(0.5)
                await self._resubscribe()
                continue
            if message is None or message.get("type") != "message":
                continue
            name = message["channel"]
            name = name.decode() if isinstance(name, bytes) else name
            game_id = name.split("{", 1)[1].split("}", 1)[0]
            room = self.rooms.get(game_id)
            if room is None:
                continue
            data = message["data"]
            data = data.decode() if isinstance(data, bytes) else data
            head, _sep, text = data.partition("\n")
            try:
                await room.deliver(json.loads(head), text)
            except Exception:
                logger.exception("live game %s: delivery failed", game_id)

    async def _resubscribe(self) -> None:
        self.pubsub = game_store().redis.pubsub(ignore_subscribe_messages=True)
        for game_id in self.rooms:
            await self.pubsub.subscribe(channel(game_id))


hub = Hub()
