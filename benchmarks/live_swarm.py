"""Load test of one live game: N players on websockets against daphne workers sharing
Redis and a fresh PostgreSQL database (production-like settings, loopback only).

Run from the project root:

    python -m benchmarks.live_swarm [--players 2000] [--questions 10] [--workers 2]
        [--fanout process|groups] [--think 0.5 6] [--json]

It creates the database `hocvuso_livebench` (dropped first and again at the end),
migrates, loads the starter bank, builds a game of `--questions` questions, starts
`--workers` daphne processes and connects the players round-robin over them, the
host on the first. Then it plays the whole game like a venue would: the host starts,
each player answers after a think time drawn from `--think` (seconds after answers
open), the question closes when everyone has answered, the host reveals, shows the
leaderboard and moves on.

Figures (ms unless named otherwise; p95 = 95th percentile):
  join_p95_ms        socket opened → "joined" received
  fanout_p95_ms      host "next" sent → the LAST player has the question, p95 over questions
  fanout_player_p95_ms  the same per player (all receipts)
  ack_p95_ms/p99     answer sent → its acknowledgement
  host_top10_ms      host "leaderboard" sent → the top 10 on the host's screen, p95
  own_rank_p95_ms    host "reveal" sent → a player has their own points and rank
  lost_answers       acknowledged answers missing from PostgreSQL (or stored differently)
  double_counted     players whose final score is not the sum of their answers' points
  disconnects        sockets that closed unexpectedly
The client runs in this one process on the same 2 cores as the server, so its own
CPU time is part of every latency; `client_cpu_pct` says how much it used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks._server import BenchServer, log

CREATE_GAME = """
from django.contrib.auth.models import User
from django.test import Client
from contest.live import services
from question_banks.models import QuestionVersion
host = User.objects.create_superuser("bench-host", password="x")
versions = services.question_versions_for_live(
    QuestionVersion.objects.filter(status="published").order_by("pk")[:200]
)[:{questions}]
game = services.create_game(host=host, title="Bench", versions=versions,
    time_limit_seconds={limit}, read_seconds={read})
services.run(lambda: services.open_game(game))
client = Client()
client.force_login(host)
print(game.key, client.cookies["sessionid"].value)
"""


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


@dataclass
class Stats:
    join_ms: list[float] = field(default_factory=list)
    fanout_ms: list[float] = field(default_factory=list)
    fanout_last_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    own_rank_ms: list[float] = field(default_factory=list)
    host_top10_ms: list[float] = field(default_factory=list)
    acked: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    disconnects: int = 0
    errors: int = 0


class Clock:
    """When the host sent each command, so players can measure against it."""

    def __init__(self) -> None:
        self.next_sent: dict[int, float] = {}
        self.reveal_sent: dict[int, float] = {}
        self.received: dict[int, list[float]] = {}


class Player:
    def __init__(self, index: int, port: int, key: str, stats: Stats, clock: Clock, args: Any):
        self.index = index
        self.port = port
        self.key = key
        self.stats = stats
        self.clock = clock
        self.args = args
        self.rng = random.Random(index)
        self.player_id = ""
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.sent_at: dict[int, float] = {}
        self.done = asyncio.Event()
        self.expect_close = False
        self.pending: set[asyncio.Future[None]] = set()

    async def join(self, session: aiohttp.ClientSession) -> None:
        began = time.perf_counter()
        self.ws = await session.ws_connect(
            f"http://127.0.0.1:{self.port}/ws/live/{self.key}/play/",
            headers={"Origin": f"http://127.0.0.1:{self.port}"},
            heartbeat=None,
            max_msg_size=0,
        )
        await self.ws.send_str(json.dumps({"t": "join", "nickname": f"Người chơi {self.index}"}))
        while True:
            frame = json.loads((await self.ws.receive()).data)
            if frame["t"] == "joined":
                self.player_id = frame["player_id"]
                self.stats.join_ms.append((time.perf_counter() - began) * 1000)
            elif frame["t"] == "snapshot":
                return
            elif frame["t"] == "error":
                raise RuntimeError(frame)

    async def play(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            kind = frame["t"]
            now = time.perf_counter()
            if kind == "ev":
                event = frame["k"]
                if event == "question_started":
                    index = frame["p"]["question_index"]
                    sent = self.clock.next_sent.get(index)
                    if sent is not None:
                        self.stats.fanout_ms.append((now - sent) * 1000)
                        self.clock.received.setdefault(index, []).append(now)
                    payload = frame["p"]
                    wait = max(payload["opens_at"] - payload["shown_at"], 0)
                    think = self.rng.uniform(*self.args.think)
                    options = payload["question"]["option_ids"]
                    self.pending.add(
                        asyncio.ensure_future(self.answer(index, wait + think, options))
                    )
                elif event == "game_finished":
                    self.expect_close = True
                    self.done.set()
                    return
            elif kind == "ack":
                sent = self.sent_at.pop(frame["q"], None)
                if sent is not None:
                    self.stats.ack_ms.append((now - sent) * 1000)
                self.stats.acked[(self.player_id, frame["q"])] = frame["c"]
            elif kind == "reject":
                self.sent_at.pop(frame["q"], None)
                self.stats.rejects[frame["code"]] = self.stats.rejects.get(frame["code"], 0) + 1
            elif kind == "me":
                sent = self.clock.reveal_sent.get(frame["q"])
                if sent is not None:
                    self.stats.own_rank_ms.append((now - sent) * 1000)
        if not self.expect_close:
            self.stats.disconnects += 1
        self.done.set()

    async def answer(self, index: int, delay: float, options: list[str]) -> None:
        await asyncio.sleep(delay)
        assert self.ws is not None
        self.sent_at[index] = time.perf_counter()
        body = {"t": "answer", "q": index, "c": [self.rng.choice(options)], "d": 0}
        try:
            await self.ws.send_str(json.dumps(body))
        except (ConnectionError, RuntimeError):
            self.stats.errors += 1


async def host_until(ws: aiohttp.ClientWebSocketResponse, t: str, k: str | None = None) -> dict:
    while True:
        message = await asyncio.wait_for(ws.receive(), 120)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"host socket closed: {message.type}")
        frame = json.loads(message.data)
        if frame["t"] == "error":
            raise RuntimeError(f"host command refused: {frame}")
        if frame["t"] == t and (k is None or frame.get("k") == k):
            return frame


async def drive(args: argparse.Namespace, ports: list[int], key: str, session_id: str) -> Stats:
    stats = Stats()
    clock = Clock()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        players = [
            Player(i, ports[i % len(ports)], key, stats, clock, args) for i in range(args.players)
        ]
        began = time.monotonic()
        gate = asyncio.Semaphore(args.join_concurrency)

        async def join(player: Player) -> None:
            async with gate:
                await player.join(session)

        await asyncio.gather(*(join(p) for p in players))
        log(f"{args.players} players joined in {time.monotonic() - began:.1f} s")
        tasks = [asyncio.ensure_future(p.play()) for p in players]
        host = await session.ws_connect(
            f"http://127.0.0.1:{ports[0]}/ws/live/{key}/host/",
            headers={"Origin": f"http://127.0.0.1:{ports[0]}", "Cookie": f"sessionid={session_id}"},
        )
        await host_until(host, "snapshot")
        for index in range(args.questions):
            clock.next_sent[index] = time.perf_counter()
            await host.send_str(json.dumps({"t": "cmd", "c": "start" if index == 0 else "next"}))
            await host_until(host, "ev", "question_closed")
            received = clock.received.get(index, [])
            if received:
                stats.fanout_last_ms.append((max(received) - clock.next_sent[index]) * 1000)
            clock.reveal_sent[index] = time.perf_counter()
            await host.send_str(json.dumps({"t": "cmd", "c": "reveal"}))
            await host_until(host, "ev", "question_revealed")
            await asyncio.sleep(args.pause)  # people look at the answer
            sent = time.perf_counter()
            await host.send_str(json.dumps({"t": "cmd", "c": "leaderboard"}))
            board = await host_until(host, "ev", "leaderboard_shown")
            stats.host_top10_ms.append((time.perf_counter() - sent) * 1000)
            assert len(board["p"]["top"]) == min(10, args.players)
            await asyncio.sleep(args.pause)
            log(
                f"question {index + 1}/{args.questions}: last player had it after "
                f"{stats.fanout_last_ms[-1] if stats.fanout_last_ms else -1:.0f} ms; "
                f"{len(stats.acked)} answers acknowledged so far"
            )
        await host.send_str(json.dumps({"t": "cmd", "c": "finish"}))
        await host_until(host, "ev", "game_finished")
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
        await host.close()
        for p in players:
            if p.ws is not None:
                await p.ws.close()
    return stats


def check_record(server: BenchServer, stats: Stats) -> tuple[int, int]:
    rows = server.sql(
        "SELECT a.player_id, a.question_index, a.choice FROM contest_liveanswer a "
        "JOIN contest_livegame g ON g.id = a.game_id WHERE g.title = 'Bench'"
    )
    stored = {(pid, q): choice for pid, q, choice in rows}
    lost = sum(1 for k, choice in stats.acked.items() if stored.get(k) != choice)
    mismatched = server.sql(
        "SELECT count(*) FROM contest_liveplayer p WHERE p.score IS DISTINCT FROM ("
        " SELECT coalesce(sum(a.points), 0) FROM contest_liveanswer a"
        " WHERE a.game_id = p.game_id AND a.player_id = p.player_id AND NOT a.voided)"
    )
    return lost, int(str(mismatched[0][0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fanout", choices=("process", "groups"), default="process")
    parser.add_argument("--limit", type=int, default=20, help="seconds per question")
    parser.add_argument("--read", type=int, default=2, help="read seconds before answers open")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 6.0), metavar=("MIN", "MAX"))
    parser.add_argument("--pause", type=float, default=1.0, help="host pause between steps, s")
    parser.add_argument("--join-concurrency", type=int, default=100)
    parser.add_argument("--db", default="hocvuso_livebench")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    extra_env = {"LIVE_FANOUT": args.fanout, "DB_POOL_SIZE": "10"}
    with BenchServer(workers=args.workers, db_name=args.db, extra_env=extra_env) as server:
        server.prepare()
        code = CREATE_GAME.format(questions=args.questions, limit=args.limit, read=args.read)
        key, session_id = server.manage_shell(code).split()[-2:]
        server.start()
        log(
            f"game {key}: {args.players} players, {args.questions} questions, fan-out {args.fanout}"
        )
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        began = time.monotonic()
        stats = asyncio.run(drive(args, server.ports, key, session_id))
        wall = time.monotonic() - began
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(1.0)  # the last upserts after game_finished
        lost, double = check_record(server, stats)
        exceptions = server.worker_exceptions().most_common(5)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    result = {
        "players": args.players,
        "join_p95_ms": percentile(stats.join_ms, 95),
        "fanout_p95_ms": percentile(stats.fanout_last_ms, 95),
        "ack_p95_ms": percentile(stats.ack_ms, 95),
        "ack_p99_ms": percentile(stats.ack_ms, 99),
        "host_top10_ms": percentile(stats.host_top10_ms, 95),
        "own_rank_p95_ms": percentile(stats.own_rank_ms, 95),
        "lost_answers": lost,
        "double_counted": double,
        "disconnects": stats.disconnects,
        "fanout_variant": args.fanout,
        "workers": args.workers,
        "questions": args.questions,
        "fanout_player_p95_ms": percentile(stats.fanout_ms, 95),
        "fanout_p50_ms": percentile(stats.fanout_last_ms, 50),
        "ack_p50_ms": percentile(stats.ack_ms, 50),
        "answers_acknowledged": len(stats.acked),
        "rejects": stats.rejects,
        "send_errors": stats.errors,
        "client_cpu_pct": round(100 * client_cpu / wall, 1),
        "game_s": round(wall, 1),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "worker_exceptions": [f"{count}x {line[:200]}" for line, count in exceptions],
        "pid": os.getpid(),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    else:
        for name, value in result.items():
            print(f"{name:24} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
