"""Load test of taking an asynchronous contest: N people at once start, save answers
one by one as they think, re-send a few saves, and submit, against daphne workers on
a fresh PostgreSQL database with Redis (production-like settings, loopback only).

Run from the project root:

    python -m benchmarks.async_contest [--participants 2000] [--questions 20]
        [--workers 2] [--duration 300] [--ramp 20] [--think 1 5] [--prestart] [--json]

It creates the database `hocvuso_bench` (dropped first, dropped again at the end, also
on Ctrl-C), migrates, publishes the starter bank, opens a contest of `--questions`
questions, starts `--workers` daphne processes and drives the participants with
asyncio + aiohttp, spread round-robin over the workers' ports.

Load model (closed loop, like people): each participant starts at a random moment in
the first `--ramp` seconds, then for each question waits a think time drawn uniformly
from `--think` (1–5 s, mean 3 s) and saves the answer; 5 % of saves are sent again at
once (a retry after a lost response: the API is idempotent). So N participants offer
about N / (3 s + save latency) saves per second, plus 5 %: for N = 2,000 about 690/s
while everyone is in the contest, which the target (≥ 500/s) needs the server to
sustain. A slow server slows the participants down, so the measured rate falls with it.
A 503 with Retry-After (a worker shedding load) is waited out and sent again, as the
page's script does; such waits count in the request's time and in `busy_retries`.
`--prestart` starts every attempt before the load phase (8 at a time), so the load
phase measures answer saves alone, with all N in the contest from its first second.

`answer_saves_per_s` is measured over the window in which all N participants are in
the contest (from the moment the last one has started, or with --prestart the end of
the ramp, to the first submission); the rate over the whole run (ramp and tail
included) is `answer_saves_per_s_overall`. Afterwards every acknowledged save (200) is
checked against the database: a stored choice that differs from the acknowledged one,
or no stored answer, is a lost answer.

Workers use a psycopg connection pool per process (`--db-pool`, default 20, the
DB_POOL_SIZE setting): under daphne each request runs in its own thread, so persistent
connections (CONN_MAX_AGE) would never be reused, only left open, until PostgreSQL's
100 slots are gone and requests fail with "too many clients". The database's
session time zone is set to UTC, which spares a SET TIME ZONE on every connection.

The JSON also splits the machine's CPU during the load (`*_cpu_pct`, 100 = one core):
the workers, this client, PostgreSQL (including its exited backends), Redis, and
`other` (anything else running on the machine, which makes a shared machine's figures
noisy). `--env KEY=VALUE` passes extra environment to the workers, for what-if runs;
`--profile DIR` records each worker with py-spy (`pip install py-spy`).

Prints progress lines, then one JSON object as the last line.

Where the time goes. Measured 2026-11-27 (first session): an answer save cost about
20 ms of CPU under daphne, 8–10 ms of it Django's ASGI request path; a start 55–90 ms
(29 queries); 2,000 participants gave 50.7 saves/s, p95 5.9 s, 1,828 errors.

Measured 2026-11-27 (second session), on the 2-core machine shared with other work
that took 0.5–1.2 cores throughout (`other_cpu_pct`), so figures move by ±50 % from
run to run:

- Saves go to a lean ASGI endpoint in front of Django (contest/asynchronous/
  fast_save.py): one Redis round trip for the rate limit (a Lua script; a MULTI
  pipeline was 18 % of a worker's py-spy samples), the choice checked by the
  service's own pure function, and one INSERT … ON CONFLICT … DO UPDATE … WHERE on an
  async psycopg pool that also checks status and deadline on the attempt's row
  (answer_store.py, the same statement services.answer_save runs). Worker CPU per
  save 1.1–1.5 ms, PostgreSQL 0.3–0.9 ms; one worker alone, machine quiet, 822
  saves/s (64 clients in a closed loop, no think time). Locking the attempt row FOR
  KEY SHARE (so a save never slips past a submission's scoring) cost nothing
  measurable.
- Django's thread per request let a burst of starts start hundreds of threads that
  starved the event loop (save p95 15 s while starting) and timed out on the pool
  (the 500s). backpressure.py now lets 2 requests per worker into Django and queues
  the rest on the event loop: in single runs at 500 participants, 2 gave both faster
  saves and faster starts than 4 or 20 (fewer threads on the GIL); a shorter GIL
  switch interval (1 ms) halved start throughput.
- Starts are now the bottleneck: 26 ms CPU in-process (attempt_start 14 ms,
  attempt_payload 7 ms, participant_identify 2.5 ms, DRF 2.5 ms) plus Django's ASGI
  path and PostgreSQL, 15–25 starts/s for 2 workers on the shared machine. 2,000
  starts in a 20 s ramp therefore take 80–130 s, past the client's 60 s timeout:
  those are all the errors at 2,000 (start:exception), and the full-concurrency
  window never opens. 500 participants: 173 saves/s (all they offer), p95 47 ms,
  0 errors.
- Saves alone (--prestart, 2,000 in the contest): 619 saves/s, 0 errors, 0 lost,
  but p95 3.1 s. At that rate the machine is full (workers 81 %, PostgreSQL 44 %,
  this client 19 %, other 53 %); the tail is 503 + Retry-After waits (5,558) and
  the 2,000 submissions running in Django beside the saves.

Measured 2026-11-27 (third session), the machine otherwise quiet (`other_cpu_pct`
under 3 %):

- Starts share what every start of a contest reads (contest_cache.py: audience,
  rounds, each rule's pool with enemies, the same-for-all draw; question_banks/
  frozen_versions.py: versions and options, frozen once out of draft), find the
  person's open, expired and used attempts in one query, and put max_score in the
  INSERT: 29 queries became 14 with identification, in-process CPU 26 -> 12 ms per
  start and 16 -> 8 ms per submission (scoring reads no options). Django's rate limits
  count in one Redis round trip. A Django request crosses between the event loop and a
  thread 7 times instead of 17 (config/sync_middleware_chain.py), and workers
  freeze their start-up objects (a full collection was a 90 ms pause). Through
  daphne, about 20 ms of worker CPU per start; 35-40 starts/s for 2 workers while
  saves run.
- 2,000 with the 20 s ramp, quiet machine: in the best run every start succeeds (0
  errors, 0 lost; it was 966 failed starts), start p95 39 s, submit p95 1.2 s, 342
  saves/s over the run, save p95 844 ms; the last person starts at about 62 s, when
  the first finish, so the full-concurrency window never opens. Two other runs:
  55 and 204 starts past the client's 60 s timeout. Starts, at 35-40/s beside the
  saves, are still the limit of this load model.
- 2,000 with --prestart (saves alone): 0 errors and 0 lost in every run, 586-687
  saves/s, but p95 409, 1,852, 1,279 and 560 ms in four runs (p50 26-185 ms).
  Within a run p95 sits at 12-150 ms for the first 30 s at ~680 saves/s, then
  climbs. Not PostgreSQL (its sessions wait on the client, WAL sync 58 us): each
  worker's event loop. py-spy on one at ~290 saves/s found it 90 % busy: Twisted's
  HTTP parsing (it parses Content-Type with the email package: 8 %), socket writes,
  psycopg, and the Redis round trip of the save limit (16 %; now counted in the
  worker, fast_save.WindowCounter). Then 2,000 submissions enter Django (12 ms each,
  holding the GIL), and load shedding (503 at 256 in flight, then 1-2 s of
  Retry-After) feeds the tail. 4 workers instead of 2: p95 42 ms at 693 saves/s for
  the first 30 s, 906 ms over the run.
- This client disables its own garbage collector while driving (ClientPauses): in
  one run a full collection of its heap paused it 455 ms, 6.5 s in all, which the
  figures counted as server latency.

Then, same session: Twisted parsed every request's Content-Type with the email
package (80 us; config/twisted_content_type.py caches it), and one Django request per
worker instead of two (backpressure.DEFAULT_CONCURRENCY = 1). With two, the same code
gave prestart p95 of 86, 429 and 1,013 ms and ramp p95 of 55 ms in four runs: a
Django thread holding the GIL while the event loop waits to run saves (CPython's
convoy effect) tips a run into backlog and load shedding, or not. With one:

- 2,000 --prestart: 696.7 saves/s, p50 5.8 ms, p95 47.9 ms, p99 221 ms, 0 errors,
  0 lost, no 503s.
- 2,000, 20 s ramp: 0 errors, 0 lost, save p95 79.7 ms, p99 178 ms; starts slower
  (p50 13.5 s, p95 36 s), so the last starts as the first finish.

Next steps: starts (20 ms of worker CPU each through daphne) are what a burst of
2,000 waits on; a lean start path like fast_save's, or fewer queries in
identification, would shorten the ramp. Measure on a machine of its own (this
client takes a fifth of a core).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks._server import BenchServer, log

CONTEST_SLUG = "bench-thi"
COMMUNE = "02647"
PROGRESS_EVERY_S = 5.0
RESEND_RATE = 0.05
PRESTART_CONCURRENCY = 8

CREATE_CONTEST = """
import datetime as dt
from django.utils import timezone
from contest.asynchronous.models import Contest
now = timezone.now()
Contest.objects.create(
    title="Cuộc thi đo tải", slug={slug!r}, status=Contest.Status.PUBLISHED,
    opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1),
    questions_per_attempt={questions}, duration_minutes=120, draw_mode={draw!r},
    answer_policy=Contest.AnswerPolicy.AFTER_SUBMIT,
)
print("contest created")
"""

STORED_ANSWERS = """
SELECT a.token, q.position, ans.choice
FROM contest_attempt a
JOIN contest_attemptquestion q ON q.attempt_id = a.id
JOIN contest_attemptanswer ans ON ans.question_id = q.id
JOIN contest_contest c ON c.id = a.contest_id
WHERE c.slug = %s
"""


@dataclass
class Stats:
    t0: float = field(default_factory=time.monotonic)
    start_ms: list[float] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    save_done_at: list[float] = field(default_factory=list)  # seconds since t0
    submit_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    acked: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    resends: int = 0
    busy_retries: int = 0  # 503 + Retry-After answers waited out and sent again
    started: int = 0
    submitted: int = 0
    finished: int = 0  # gave up, submitted or failed
    finished_after_start: int = 0
    first_submit_at: float | None = None
    last_start_at: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{kind}: {detail[:300]}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def choice_for(question: dict[str, Any], rng: random.Random) -> list[int]:
    """A well-formed answer for the question's type (right or wrong does not matter)."""
    ids = [int(o["id"]) for o in question["options"]]
    if question["type"] == "ordering":
        rng.shuffle(ids)
        return ids
    if question["type"] == "multiple":
        return rng.sample(ids, rng.randint(1, len(ids)))
    return [rng.choice(ids)]


async def post(
    session: aiohttp.ClientSession, url: str, payload: dict[str, Any], stats: Stats
) -> tuple[int, Any, float]:
    """POST JSON; returns (status, decoded body or text, milliseconds). A 503 with
    Retry-After (a worker shedding load) is waited out and sent again, as the page's
    script does, and counted; the milliseconds run from the first send."""
    began = time.perf_counter()
    while True:
        async with session.post(url, json=payload) as response:
            body = await response.read()
            retry_after = response.headers.get("Retry-After", "")
        if response.status != 503 or not retry_after.isdigit():
            break
        stats.busy_retries += 1
        await asyncio.sleep(int(retry_after) * (1 + random.random()))
    elapsed = (time.perf_counter() - began) * 1000
    try:
        decoded: Any = json.loads(body)
    except ValueError:
        decoded = body[:300].decode(errors="replace")
    return response.status, decoded, elapsed


class Participant:
    def __init__(self, index: int, base_url: str, args: argparse.Namespace, stats: Stats) -> None:
        self.index = index
        self.base = base_url
        self.args = args
        self.stats = stats
        self.rng = random.Random(index)

    async def run(
        self,
        session: aiohttp.ClientSession,
        stop_at: float,
        begun: tuple[str | None, list[dict[str, Any]]] | None = None,
    ) -> None:
        """Take part; `begun` is an attempt started beforehand (--prestart)."""
        stats = self.stats
        try:
            await asyncio.sleep(self.rng.uniform(0, self.args.ramp))
            token, questions = begun if begun is not None else await self.start(session)
            if token is None:
                return
            for question in questions:
                if stats.now() >= stop_at:
                    break
                await asyncio.sleep(self.rng.uniform(*self.args.think))
                choice = choice_for(question, self.rng)
                ok = await self.save(session, token, int(question["position"]), choice)
                if ok and self.rng.random() < RESEND_RATE:
                    stats.resends += 1
                    await self.save(session, token, int(question["position"]), choice)
            await self.submit(session, token)
            stats.finished_after_start += 1
        finally:
            stats.finished += 1

    async def start(
        self, session: aiohttp.ClientSession
    ) -> tuple[str | None, list[dict[str, Any]]]:
        stats = self.stats
        payload = {
            "full_name": f"Người Thử Số {self.index}",
            "phone": f"09{self.index:08d}",
            "commune": COMMUNE,
            "target_group": "resident",
        }
        try:
            status, body, ms = await post(
                session, f"{self.base}/api/v1/contests/{CONTEST_SLUG}/attempts/", payload, stats
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.error("start:exception", repr(exc))
            return None, []
        if status != 201:
            stats.error(f"start:{status}", str(body))
            return None, []
        stats.start_ms.append(ms)
        stats.started += 1
        stats.last_start_at = stats.now()
        stats.acked[body["token"]] = {}
        return str(body["token"]), list(body["questions"])

    async def save(
        self, session: aiohttp.ClientSession, token: str, position: int, choice: list[int]
    ) -> bool:
        stats = self.stats
        try:
            status, body, ms = await post(
                session,
                f"{self.base}/api/v1/attempts/{token}/answers/",
                {"position": position, "choice": choice},
                stats,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.error("save:exception", repr(exc))
            return False
        if status != 200 or not (isinstance(body, dict) and body.get("saved") is True):
            stats.error(f"save:{status}", str(body))
            return False
        stats.save_ms.append(ms)
        stats.save_done_at.append(stats.now())
        stats.acked[token][position] = choice
        return True

    async def submit(self, session: aiohttp.ClientSession, token: str) -> None:
        stats = self.stats
        if stats.first_submit_at is None:
            stats.first_submit_at = stats.now()
        try:
            status, body, ms = await post(
                session, f"{self.base}/api/v1/attempts/{token}/submit/", {}, stats
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.error("submit:exception", repr(exc))
            return
        if status != 200 or not isinstance(body, dict) or body.get("status") != "submitted":
            stats.error(f"submit:{status}", str(body))
            return
        stats.submit_ms.append(ms)
        stats.submitted += 1


class CpuMeter:
    """Busy share of the whole machine and of its parts (the workers, this client,
    PostgreSQL with its exited backends, Redis), from /proc; Linux only."""

    SERVICES = ("postgres", "redis-server")

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.begin = self.sample()

    @staticmethod
    def _ticks(pid: int | str, children: bool = False) -> float:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        own = float(parts[11]) + float(parts[12])
        return own + (float(parts[13]) + float(parts[14]) if children else 0.0)

    def sample(self) -> dict[str, float]:
        fields = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        result = {"total": sum(fields[:8]), "idle": fields[3] + fields[4]}
        result["workers"] = sum(self._ticks(pid, children=True) for pid in self.pids)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["client"] = (usage.ru_utime + usage.ru_stime) * os.sysconf("SC_CLK_TCK")
        for name in self.SERVICES:
            result[name] = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                comm = (entry / "comm").read_text().strip()
                if comm in self.SERVICES:
                    # cutime holds the exited backends PostgreSQL has reaped
                    result[comm] += self._ticks(entry.name, children=True)
        return result

    def since_begin(self) -> dict[str, float]:
        end = self.sample()
        delta = {k: end[k] - self.begin[k] for k in end}
        if delta["total"] <= 0:
            return {}
        cores = os.cpu_count() or 1

        def pct(ticks: float) -> float:  # share of ONE core (100 = one core fully busy)
            return round(100 * cores * ticks / delta["total"], 1)

        busy = pct(delta["total"] - delta["idle"])
        parts = {
            "workers_cpu_pct": pct(delta["workers"]),
            "client_cpu_pct": pct(delta["client"]),
            "postgres_cpu_pct": pct(delta["postgres"]),
            "redis_cpu_pct": pct(delta["redis-server"]),
        }
        return {
            "machine_busy_pct": round(busy / cores, 1),  # of the whole machine
            **parts,
            "other_cpu_pct": round(max(busy - sum(parts.values()), 0.0), 1),
        }


async def progress(stats: Stats, n: int, cpu: CpuMeter) -> None:
    last_saves, last_t = 0, stats.now()
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        t = stats.now()
        saves = len(stats.save_ms)
        recent = stats.save_ms[last_saves:]
        rate = (saves - last_saves) / max(t - last_t, 1e-9)
        active = stats.started - stats.finished_after_start
        log(
            f"[{t:6.1f}s] started {stats.started}/{n} submitted {stats.submitted} "
            f"saves {saves} ({rate:.0f}/s, p95 {percentile(recent, 95):.0f} ms) "
            f"errors {sum(stats.errors.values())} "
            f"in contest {active} cpu {cpu.since_begin().get('machine_busy_pct', 0)}%"
        )
        last_saves, last_t = saves, t


async def prestart(
    people: list[Participant], sessions: list[aiohttp.ClientSession]
) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """Start every attempt before the load phase, a few at a time (--prestart)."""
    gate = asyncio.Semaphore(PRESTART_CONCURRENCY)
    log(f"starting {len(people)} attempts before the load phase")

    async def one(person: Participant) -> tuple[str | None, list[dict[str, Any]]]:
        async with gate:
            return await person.start(sessions[person.index % len(sessions)])

    return list(await asyncio.gather(*(one(p) for p in people)))


async def drive(args: argparse.Namespace, ports: list[int], pids: list[int]) -> Stats:
    stats = Stats()
    timeout = aiohttp.ClientTimeout(total=60)
    sessions = [
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=None),
            timeout=timeout,
        )
        for _port in ports
    ]
    people = [
        Participant(i, f"http://127.0.0.1:{ports[i % len(ports)]}", args, stats)
        for i in range(args.participants)
    ]
    begun: list[tuple[str | None, list[dict[str, Any]]] | None] = [None] * len(people)
    if args.prestart:
        begun = list(await prestart(people, sessions))
        stats.t0 = time.monotonic()  # the load phase starts now, everyone in the contest
        stats.last_start_at = args.ramp  # when the last of them starts answering
    cpu = CpuMeter(pids)
    reporter = asyncio.create_task(progress(stats, args.participants, cpu))
    try:
        tasks = [
            asyncio.create_task(
                p.run(sessions[p.index % len(ports)], stop_at=args.duration, begun=begun[p.index])
            )
            for p in people
        ]
        # Past the cap, participants stop saving and submit; give them a grace period.
        _done, pending = await asyncio.wait(tasks, timeout=args.duration + 60)
        for task in pending:
            task.cancel()
            stats.error("participant:unfinished", "still running after the duration cap")
        if pending:
            await asyncio.wait(pending)
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                stats.error("participant:crash", repr(task.exception()))
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
        stats.cpu = cpu.since_begin()
        for session in sessions:
            await session.close()
    return stats


def lost_answers(server: BenchServer, stats: Stats) -> tuple[int, int]:
    """(acknowledged answers not stored as acknowledged, acknowledged answers checked)."""
    stored: dict[tuple[str, int], list[int]] = {}
    for token, position, choice in server.sql(STORED_ANSWERS, (CONTEST_SLUG,)):
        stored[(str(token), int(str(position)))] = list(choice)  # type: ignore[call-overload]
    checked = lost = 0
    for token, answers in stats.acked.items():
        for position, choice in answers.items():
            checked += 1
            if stored.get((token, position)) != choice:
                lost += 1
    return lost, checked


class ClientPauses:
    """Keeps this client's garbage collector out of the figures: a pause holds up every
    response it is reading, which would count as server latency. Any collection that
    still runs is reported, so a run can be trusted."""

    def __init__(self) -> None:
        self.started = 0.0
        self.pauses: list[float] = []

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self.started) * 1000)

    def __enter__(self) -> ClientPauses:
        # Collection off while driving: a full collection of this client's heap took up
        # to 455 ms (6.5 s in one run), which showed up as server latency. A run of a
        # few minutes leaves at most a few hundred MB of cyclic garbage.
        gc.callbacks.append(self._callback)
        gc.freeze()
        gc.disable()
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.enable()
        gc.unfreeze()
        gc.callbacks.remove(self._callback)

    def figures(self) -> dict[str, float]:
        return {
            "client_gc_pause_max_ms": round(max(self.pauses, default=0.0), 1),
            "client_gc_pause_total_ms": round(sum(self.pauses), 1),
        }


def summarise(args: argparse.Namespace, stats: Stats, run_s: float) -> dict[str, Any]:
    saves = len(stats.save_ms)
    window = (stats.last_start_at or 0.0, stats.first_submit_at or run_s)
    in_window = sum(1 for t in stats.save_done_at if window[0] <= t < window[1])
    window_s = window[1] - window[0]
    span = (stats.save_done_at[-1] - stats.save_done_at[0]) if saves > 1 else 0.0
    overall = saves / span if span > 0 else 0.0
    rate = in_window / window_s if window_s >= 5 else overall
    return {
        "participants": args.participants,
        "started": stats.started,
        "submitted": stats.submitted,
        "questions": args.questions,
        "workers": args.workers,
        "answer_saves": saves,
        "answer_resends": stats.resends,
        "busy_retries": stats.busy_retries,
        "answer_saves_per_s": round(rate, 1),
        "answer_saves_per_s_overall": round(overall, 1),
        "full_concurrency_window_s": round(max(window_s, 0.0), 1),
        "save_p50_ms": round(percentile(stats.save_ms, 50), 1),
        "save_p95_ms": round(percentile(stats.save_ms, 95), 1),
        "save_p99_ms": round(percentile(stats.save_ms, 99), 1),
        "save_max_ms": round(max(stats.save_ms, default=0.0), 1),
        "save_mean_ms": round(statistics.fmean(stats.save_ms), 1) if saves else 0.0,
        "start_p50_ms": round(percentile(stats.start_ms, 50), 1),
        "start_p95_ms": round(percentile(stats.start_ms, 95), 1),
        "submit_p95_ms": round(percentile(stats.submit_ms, 95), 1),
        "errors": sum(stats.errors.values()),
        "errors_by_kind": dict(stats.errors),
        "think_s": list(args.think),
        "ramp_s": args.ramp,
        "prestart": args.prestart,
        "duration_s": round(run_s, 1),
        **stats.cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="daphne processes")
    parser.add_argument(
        "--duration", type=float, default=300.0, help="cap in seconds on the load phase"
    )
    parser.add_argument(
        "--ramp", type=float, default=20.0, help="starts are spread over this many seconds"
    )
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 5.0),
        metavar=("MIN", "MAX"),
        help="think time before each answer, seconds (uniform)",
    )
    parser.add_argument(
        "--prestart",
        action="store_true",
        help="start every attempt before the load phase, to measure answer saves alone",
    )
    parser.add_argument(
        "--draw",
        choices=("same", "per_participant"),
        default="same",
        help="the contest's draw mode",
    )
    parser.add_argument("--db", default="hocvuso_bench", help="database to create and drop")
    parser.add_argument(
        "--db-pool",
        type=int,
        default=20,
        help="DB_POOL_SIZE per worker (0: a new connection per request)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the workers (repeatable), for experiments",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="record each worker with py-spy into DIR (speedscope JSON)",
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    profilers: list[Any] = []
    extra_env = dict(item.split("=", 1) for item in args.env)
    extra_env.setdefault("DB_POOL_SIZE", str(args.db_pool))
    with BenchServer(workers=args.workers, db_name=args.db, extra_env=extra_env) as server:
        began = time.monotonic()
        server.prepare()
        log(
            server.manage_shell(
                CREATE_CONTEST.format(slug=CONTEST_SLUG, questions=args.questions, draw=args.draw)
            ).strip()
        )
        server.start()
        log(
            f"prepared in {time.monotonic() - began:.1f} s; driving {args.participants} "
            f"participants × {args.questions} questions"
        )
        if args.profile:
            profilers = start_profilers(args.profile, server)
        load_began = time.monotonic()
        try:
            with ClientPauses() as pauses:
                stats = asyncio.run(drive(args, server.ports, server.pids))
        finally:
            stop_profilers(profilers)
        run_s = time.monotonic() - load_began
        lost, checked = lost_answers(server, stats)
        for sample in stats.error_samples:
            log(f"error sample: {sample}")
        if stats.errors:
            for line, count in server.worker_exceptions().most_common(5):
                log(f"worker exception x{count}: {line[:300]}")
    result = summarise(args, stats, run_s)
    result.update(pauses.figures())
    result["acknowledged_answers_checked"] = checked
    result["lost_answers"] = lost
    # Keys the brief asks for first, so the line reads well.
    ordered = {
        k: result[k]
        for k in (
            "participants",
            "answer_saves_per_s",
            "save_p50_ms",
            "save_p95_ms",
            "save_p99_ms",
            "errors",
            "lost_answers",
            "start_p95_ms",
            "workers",
            "duration_s",
        )
    }
    ordered.update(result)
    if args.json:
        print(json.dumps(ordered, ensure_ascii=False), flush=True)
    else:
        for key, value in ordered.items():
            print(f"{key:32} {value}")
    return 0


def start_profilers(directory: str, server: BenchServer) -> list[Any]:
    import subprocess

    Path(directory).mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).parent / "py-spy"
    processes = []
    for port, pid in zip(server.ports, server.pids, strict=True):
        out = Path(directory) / f"worker-{port}.speedscope.json"
        processes.append(
            subprocess.Popen(
                [
                    str(py_spy),
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "speedscope",
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--output",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    log(f"py-spy recording into {directory}")
    return processes


def stop_profilers(processes: list[Any]) -> None:
    import signal

    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for process in processes:
        with contextlib.suppress(Exception):
            process.wait(timeout=60)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; servers stopped and the bench database dropped")
        sys.exit(130)
