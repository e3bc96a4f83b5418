"""A bound on the requests a worker runs through Django at once.

Django's ASGI handler gives every request a thread of its own. Under a burst (a whole
school starting a contest within a minute) a daphne worker otherwise starts hundreds
of threads that fight over the GIL, starve the event loop (where answer saves are
served, see `fast_save`) and wait on the database pool until they time out with a 500.
Here at most `concurrency` requests run in Django; the others wait their turn on the
event loop, in order, which costs nothing; past `max_waiting` a worker sheds load
with 503 and Retry-After instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]  # Django's and Channels' own types differ

RETRY_AFTER_S = 2
# One: a second Django thread per worker made starts faster but, holding the GIL while
# the event loop waits to run answer saves (CPython's convoy effect), let save p95 at
# 2,000 participants swing between 55 ms and 1.9 s from run to run; with one it stayed
# at 48-80 ms (benchmarks/async_contest.py).
DEFAULT_CONCURRENCY = 1
DEFAULT_MAX_WAITING = 2000


class Bounded:
    """ASGI app: `app` with at most `concurrency` HTTP requests inside at once."""

    def __init__(self, app: ASGIApp, *, concurrency: int, max_waiting: int) -> None:
        self.app = app
        self.max_waiting = max_waiting
        self.slots = asyncio.Semaphore(concurrency)
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.slots.locked() and self.waiting >= self.max_waiting:
            return await busy(scope, send)
        self.waiting += 1
        try:
            await self.slots.acquire()
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()


async def busy(scope: Scope, send: Send, *, retry_after: int = RETRY_AFTER_S) -> None:
    """503 with Retry-After: JSON for the API, a line of Vietnamese for a page."""
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps({"error": "busy", "code": "busy"}).encode()
        content_type = b"application/json"
    else:
        body = _("Hệ thống đang bận. Xin chờ vài giây rồi thử lại.").encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def bounded(app: ASGIApp) -> ASGIApp:
    """`app` behind the bound set by DJANGO_CONCURRENCY and DJANGO_MAX_WAITING in the
    settings (environment variables of the same names; by default 1 and 2,000 per
    worker: see DEFAULT_CONCURRENCY)."""
    concurrency = int(getattr(settings, "DJANGO_CONCURRENCY", 0) or 0) or DEFAULT_CONCURRENCY
    max_waiting = int(getattr(settings, "DJANGO_MAX_WAITING", 0) or 0) or DEFAULT_MAX_WAITING
    return Bounded(app, concurrency=concurrency, max_waiting=max_waiting)
