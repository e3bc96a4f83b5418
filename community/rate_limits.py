"""Fixed-window rate limits kept in the cache (Redis at province scale), so every
worker process shares the same counters.

`settings.RATE_LIMIT_SCALE` (environment `RATE_LIMIT_SCALE`, default 1) multiplies
every limit: a venue where a whole commune shares one public address raises it, and
the load benchmark, which sends everything from 127.0.0.1, raises it for its servers."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def scaled(limit: int) -> int:
    """The limit in force: `limit` times RATE_LIMIT_SCALE, never below 1."""
    return max(1, int(limit * float(getattr(settings, "RATE_LIMIT_SCALE", 1))))


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for (scope, key) and say whether it is within `limit` per window."""
    cache_key = f"rl:{scope}:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        return cache.incr(cache_key) <= scaled(limit)
    except ValueError:  # the window expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
