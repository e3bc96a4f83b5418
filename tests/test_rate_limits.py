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
