"""Fixed-window rate limits kept in the cache (Redis at province scale), so every
worker process shares the same counters.

`settings.RATE_LIMIT_SCALE` (environment `RATE_LIMIT_SCALE`, default 1) multiplies
every limit: a venue where a whole commune shares one public address raises it, and
the load benchmark, which sends everything from 127.0.0.1, raises it for its servers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

# INCR, and start the window on the first hit: one atomic round trip.
COUNT_IN_WINDOW = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

_script: Any = None


def scaled(limit: int) -> int:
    """The limit in force: `limit` times RATE_LIMIT_SCALE, never below 1."""
    return max(1, int(limit * float(getattr(settings, "RATE_LIMIT_SCALE", 1))))


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for (scope, key) and say whether it is within `limit` per window."""
    cache_key = f"rl:{scope}:{key}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        return _count_in_redis(backend, cache_key, window_seconds) <= scaled(limit)
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(cache_key) <= scaled(limit)
    except ValueError:  # the window expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return True


def _count_in_redis(backend: RedisCache, cache_key: str, window_seconds: int) -> int:
    """One round trip instead of add + incr (a start paid two). The counter is the
    key Django's cache would use, so both ways of counting agree."""
    global _script
    full_key = backend.make_key(cache_key)
    client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
    if _script is None:
        _script = client.register_script(COUNT_IN_WINDOW)
    return int(_script(keys=[full_key], args=[window_seconds], client=client))
