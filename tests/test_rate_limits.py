"""The shared fixed-window rate limit, on the cache the settings give (Redis in CI and
production: one atomic round trip; the local-memory cache on a laptop)."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import caches

from community.rate_limits import allow


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


@pytest.mark.parametrize("backend", ["configured", "locmem"])
def test_a_window_allows_its_limit_then_refuses_until_it_ends(settings, key, backend) -> None:
    if backend == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.RATE_LIMIT_SCALE = 1
    hits = [allow("test", key, limit=3, window_seconds=1) for _ in range(5)]
    assert hits == [True, True, True, False, False]
    assert allow("test", "someone-else-" + key, limit=3, window_seconds=1)
    time.sleep(1.1)
    assert allow("test", key, limit=3, window_seconds=1)


def test_the_counter_is_the_one_djangos_cache_reads(settings, key) -> None:
    """The lean answer save counts on the same key; both must see one number."""
    settings.RATE_LIMIT_SCALE = 1
    for _ in range(2):
        allow("test", key, limit=10, window_seconds=60)
    assert caches["default"].get(f"rl:test:{key}") == 2


def test_a_workers_own_save_counter_starts_over_each_window_and_forgets_old_keys() -> None:
    from contest.asynchronous.fast_save import WindowCounter

    counter = WindowCounter(60)
    assert [counter.hit("a", 120.0 + s) for s in range(3)] == [1, 2, 3]
    assert counter.hit("b", 130.0) == 1
    assert counter.hit("a", 180.0) == 1  # a new window
    counter.MAX_KEYS = 2
    counter.hit("c", 181.0)  # three keys: "b", of the last window, is dropped
    assert set(counter.counts) == {"a", "c"}
