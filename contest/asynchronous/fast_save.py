"""A lean ASGI endpoint for the hottest request of a contest, saving an answer
(`POST /api/v1/attempts/<token>/answers/`), mounted in front of Django.

Django's ASGI path (middleware, DRF, a thread per request) costs about ten times the
work of the save itself, so the usual case is answered here, on the event loop:
the rate limit counted in the worker itself, the choice checked by the same pure
function the service uses (`scoring.choice_problem`), and the answer stored by the
same statement (`answer_store.UPSERT_SQL`) on an async psycopg pool. The statement
checks the attempt's status and deadline on its row as it writes, so nothing about
an attempt's state is cached: only what never changes once it is drawn (the attempt
id, and each position's question id, type and option order), per process.

Everything else goes to Django unchanged: any input the API's serializer might treat
differently, an unknown token or position, a malformed choice, a save the statement
did not store (attempt closed, out of time, or an older save from the same page),
a database error. Django then answers exactly as before, with its Vietnamese errors
and the automatic submission at the deadline; the upsert is idempotent, so running
it again there is safe. Under overload a worker answers 503 with Retry-After rather
than queueing without bound; the page's script waits and sends again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from community.rate_limits import scaled
from contest.asynchronous import answer_store, scoring
from contest.asynchronous.backpressure import busy
from contest.asynchronous.models import Attempt, AttemptQuestion
from question_banks.models import QuestionVersion

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # Django's and Channels' own types differ

log = logging.getLogger(__name__)

PATH = re.compile(r"/api/v1/attempts/([A-Za-z0-9_-]{1,32})/answers/")
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,24}")
# Set in the scope of a save passed on to Django after it was counted here, so the
# API view does not count it twice.
RATE_COUNTED = "hocvuso.save_rate_counted"
SAVE_LIMIT, SAVE_WINDOW_S = 120, 60  # per attempt token, as AnswerSaveApi
MAX_BODY = 4096  # a save is under 200 bytes; anything bigger is Django's to refuse
MAX_INT = 2**31 - 1
_ATTEMPT = Attempt._meta.db_table
_QUESTION = AttemptQuestion._meta.db_table
_VERSION = QuestionVersion._meta.db_table
DRAW_SQL = f"""
SELECT a.id, q.position, q.id, v.type, q.option_order
FROM {_ATTEMPT} a
JOIN {_QUESTION} q ON q.attempt_id = a.id
JOIN {_VERSION} v ON v.id = q.version_id
WHERE a.token = %s
"""  # noqa: S608 (table names from the models; values are bound)


@dataclass(frozen=True)
class DrawnQuestion:
    question_id: int
    qtype: str
    option_order: list[int]


@dataclass(frozen=True)
class AttemptDraw:
    """What never changes about an attempt once its questions are drawn."""

    attempt_id: int
    questions: dict[int, DrawnQuestion]


@dataclass(frozen=True)
class SaveInput:
    position: int
    choice: list[int]
    client: tuple[str, int] | None


def _is_int(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def save_input(body: bytes) -> SaveInput | None:
    """The save, if the body is one the API's serializer would accept as it is;
    None sends the request to Django, which accepts or explains."""
    try:
        data = json.loads(body.decode())  # as DRF reads it: UTF-8, no byte-order mark
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    position: Any = data.get("position")
    choice: Any = data.get("choice")
    page, seq = data.get("page", ""), data.get("seq", 0)
    if not _is_int(position, 1, 32767) or not isinstance(choice, list) or len(choice) > 10:
        return None
    if not all(_is_int(c, -MAX_INT, MAX_INT) for c in choice):
        return None
    # A page id as the page's script makes them; the serializer decides anything else
    # (it trims text, refuses a blank one, converts numbers).
    if "page" in data and not (isinstance(page, str) and PAGE_ID.fullmatch(page)):
        return None
    if not _is_int(seq, 0, MAX_INT):
        return None
    return SaveInput(int(position), list(choice), (page, int(seq)) if page else None)


class DrawCache:
    """Attempt token → AttemptDraw, least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, AttemptDraw] = OrderedDict()

    def get(self, token: str) -> AttemptDraw | None:
        draw = self._items.get(token)
        if draw is not None:
            self._items.move_to_end(token)
        return draw

    def put(self, token: str, draw: AttemptDraw) -> None:
        self._items[token] = draw
        self._items.move_to_end(token)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def _connection_kwargs() -> dict[str, Any]:
    """psycopg.connect() keywords for the default database (the test one in tests)."""
    db = connections["default"].settings_dict
    kwargs = {
        "dbname": db["NAME"],
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    options = {
        k: v
        for k, v in (db.get("OPTIONS") or {}).items()
        if k not in {"pool", "server_side_binding", "isolation_level", "assume_role"}
    }
    return {k: v for k, v in {**kwargs, **options}.items() if v not in (None, "")}


def _security_headers() -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware puts on an API response."""
    headers = [(b"content-type", b"application/json"), (b"vary", b"Accept")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append((b"referrer-policy", str(settings.SECURE_REFERRER_POLICY).encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        coop = str(settings.SECURE_CROSS_ORIGIN_OPENER_POLICY).encode()
        headers.append((b"cross-origin-opener-policy", coop))
    headers.append((b"x-frame-options", str(settings.X_FRAME_OPTIONS).encode()))
    return headers


def _hsts_header() -> tuple[bytes, bytes] | None:
    if not settings.SECURE_HSTS_SECONDS:
        return None
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return (b"strict-transport-security", value.encode())


class WindowCounter:
    """Fixed-window hit counts per key, in this process.

    The save limit (SAVE_LIMIT per attempt per window) was counted in Redis, shared by
    all workers: a sixth of a busy worker's event loop went to that round trip (py-spy,
    2,000 participants). Counted here, a client that spreads one attempt's saves over W
    workers gets at most W times the limit: still bounded, which is what the limit is
    for. Saves this endpoint passes on to Django are not counted again there
    (RATE_COUNTED); those Django answers alone count in the shared cache.
    """

    # Past this many keys, those of earlier windows are dropped.
    MAX_KEYS = 50_000

    def __init__(self, window_seconds: int) -> None:
        self.window_seconds = window_seconds
        self.counts: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, now: float) -> int:
        """Count one hit for `key` at monotonic time `now`; the count in its window."""
        window = int(now // self.window_seconds)
        seen, count = self.counts.get(key, (window, 0))
        count = count + 1 if seen == window else 1
        self.counts[key] = (window, count)
        if len(self.counts) > self.MAX_KEYS:
            self.counts = {k: v for k, v in self.counts.items() if v[0] == window}
        return count


class AnswerSaveEndpoint:
    """ASGI app: answers the usual answer save itself, passes everything else to `app`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        pool_size: int = 8,
        pool_timeout: float = 3.0,
        max_in_flight: int = 256,
        cache_size: int = 5000,
    ) -> None:
        self.app = app
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self.max_in_flight = max_in_flight
        self.draws = DrawCache(cache_size)
        self.in_flight = 0
        self._pool: Any = None
        self.save_counts = WindowCounter(SAVE_WINDOW_S)
        self._opening = asyncio.Lock()
        self._headers = _security_headers()
        self._hsts = _hsts_header()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.fullmatch(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST" or not self._plain(scope):
            return await self.app(scope, receive, send)
        if self.in_flight >= self.max_in_flight:
            return await busy(scope, send, retry_after=1)
        self.in_flight += 1
        try:
            await self._save(match.group(1), scope, receive, send)
        finally:
            self.in_flight -= 1

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    # --- the usual case ----------------------------------------------------------

    async def _save(self, token: str, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if body is None:
            return  # the client went away
        replay = _replaying(body, receive)
        found = save_input(body)
        if found is None:
            return await self.app(scope, replay, send)
        if not await self._allow(token):
            return await self._respond(
                scope, send, 429, {"error": "rate_limited", "code": "rate_limited"}
            )
        counted = {**scope, RATE_COUNTED: True}
        try:
            stored = await self._store(token, found)
        except PoolTimeout:
            return await busy(scope, send, retry_after=1)
        except Exception:  # Django answers it, as it did before this endpoint existed
            log.exception("lean answer save failed; passing it to Django")
            stored = None
        if stored is None:
            return await self.app(counted, replay, send)
        now = timezone.now()
        await self._respond(
            scope,
            send,
            200,
            {
                "saved": True,
                "position": found.position,
                "saved_at": _drf_datetime(stored.saved_at),
                "seconds_left": max(int((stored.deadline_at - now).total_seconds()), 0),
            },
        )

    async def _store(self, token: str, save: SaveInput) -> answer_store.Stored | None:
        """Store through the shared statement; None when Django must decide."""
        pool = await self._open_pool()
        async with pool.connection(timeout=self.pool_timeout) as conn:
            draw = self.draws.get(token)
            if draw is None:
                draw = await _load_draw(conn, token)
                if draw is None:
                    return None
                self.draws.put(token, draw)
            question = draw.questions.get(save.position)
            if question is None:
                return None
            if scoring.choice_problem(question.qtype, question.option_order, save.choice):
                return None
            params = answer_store.upsert_params(
                attempt_id=draw.attempt_id,
                question_id=question.question_id,
                choice=save.choice,
                now=timezone.now(),
                client=save.client,
            )
            cursor = await conn.execute(answer_store.UPSERT_SQL["postgresql"], params)
            row = await cursor.fetchone()
        return answer_store.stored_from_row(row) if row else None

    async def _open_pool(self) -> Any:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    pool = AsyncConnectionPool(
                        kwargs={**_connection_kwargs(), "autocommit": True},
                        min_size=1,
                        max_size=self.pool_size,
                        timeout=self.pool_timeout,
                        open=False,
                        name="answer-save",
                    )
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def _allow(self, token: str) -> bool:
        """The API's save limit per attempt, counted in this worker (WindowCounter)."""
        return self.save_counts.hit(token, time.monotonic()) <= scaled(SAVE_LIMIT)

    # --- answering ---------------------------------------------------------------

    def _plain(self, scope: Scope) -> bool:
        """A request Django's middleware would let through untouched: a small JSON
        body, an allowed host, and HTTPS when it is required."""
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-length", b"x").isdigit():
            return False
        if int(headers[b"content-length"]) > MAX_BODY:
            return False
        media = headers.get(b"content-type", b"").split(b";")
        if media[0].strip().lower() != b"application/json":
            return False
        if any(p.strip().lower() not in (b"charset=utf-8", b"") for p in media[1:]):
            return False
        domain, _port = split_domain_port(headers.get(b"host", b"").decode("latin-1"))
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return False
        return not settings.SECURE_SSL_REDIRECT or self._secure(scope, headers)

    @staticmethod
    def _secure(scope: Scope, headers: dict[bytes, bytes]) -> bool:
        proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if proxy:
            name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower().encode()
            return headers.get(name, b"").decode("latin-1") == proxy[1]
        return bool(scope.get("scheme") == "https")

    async def _respond(
        self,
        scope: Scope,
        send: Send,
        status: int,
        payload: dict[str, Any],
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [*self._headers, (b"content-length", str(len(body)).encode()), *(extra or [])]
        if self._hsts and self._secure(scope, dict(scope.get("headers") or [])):
            headers.append(self._hsts)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _load_draw(conn: Any, token: str) -> AttemptDraw | None:
    cursor = await conn.execute(DRAW_SQL, (token,))
    rows = await cursor.fetchall()
    if not rows:
        return None
    questions = {
        int(position): DrawnQuestion(int(question_id), str(qtype), [int(o) for o in order])
        for _attempt, position, question_id, qtype, order in rows
    }
    return AttemptDraw(int(rows[0][0]), questions)


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the body already read, then the connection's own events."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _drf_datetime(value: dt.datetime) -> str:
    """As the API view's response writes it (DRF's JSON encoder): ISO 8601 in UTC."""
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def answer_save_endpoint(app: ASGIApp) -> ASGIApp:
    """`app` behind the lean save endpoint where it can run (PostgreSQL), else `app`."""
    if connections["default"].vendor != "postgresql":
        return app
    return AnswerSaveEndpoint(app)
