"""The Redis connection live games use, one client per event loop.

With REDIS_URL set (province scale, CI) every daphne process talks to the same
Redis. Without it (a laptop, the demo) an in-process Redis from `fakeredis` (with
Lua through `lupa`) stands in, so one code path serves both; it is shared by the
whole process, which is all a single-process server needs.

A client belongs to the event loop that created it: daphne has one loop per
process, tests and `async_to_sync` create more, so clients are kept per loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from django.conf import settings
from redis.asyncio import Redis

from contest.live.store import GameStore

_stores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GameStore] = (
    weakref.WeakKeyDictionary()
)
_fake_server = None
# A store for one call from sync code (see call_store): whatever loop that call runs
# on, even the server's own, it neither uses nor closes the loop's shared client.
_call_store: ContextVar[GameStore | None] = ContextVar("live_call_store", default=None)


def new_redis() -> Redis:
    url = getattr(settings, "REDIS_URL", "")
    if url:
        return Redis.from_url(url, health_check_interval=30)
    global _fake_server
    import fakeredis

    if _fake_server is None:
        _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeAsyncRedis(server=_fake_server)


def game_store() -> GameStore:
    """The store bound to the running event loop (or to the current sync call)."""
    scoped = _call_store.get()
    if scoped is not None:
        return scoped
    loop = asyncio.get_running_loop()
    store = _stores.get(loop)
    if store is None:
        store = GameStore(new_redis())
        _stores[loop] = store
    return store


def in_sync_call() -> bool:
    """Whether this code runs inside services.run (a call from sync code)."""
    return _call_store.get() is not None


@asynccontextmanager
async def call_store() -> AsyncIterator[GameStore]:
    """A client of its own for one call from sync code, closed when the call ends.

    `async_to_sync` runs a sync view's call on the server's event loop under daphne,
    and on a fresh loop elsewhere (tests, commands); either way this call must not
    close, or leave open, the client that the loop's websockets share.
    """
    store = GameStore(new_redis())
    token = _call_store.set(store)
    try:
        yield store
    finally:
        _call_store.reset(token)
        await store.redis.aclose()
