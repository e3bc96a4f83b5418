"""Running exposure rates of placement items, for the engine's maximum priority index.

An item's rate is the share of the most recent sessions (at most `WINDOW`) that were given
it as a scored item, read from the recorded responses. The counts are cached per process
for `REFRESH_SECONDS`, so most answers cost no extra query; rates a minute old steer
selection just as well, because the priority index only leans away from items as they
near the ceiling. Before `BURN_IN` sessions there are no rates and selection is
randomesque only (the simulation study does the same).
"""

from __future__ import annotations

import threading
import time

import numpy as np
from django.db.models import Count

from contest.placement.engine import FloatArray, ItemBank
from contest.placement.models import PlacementResponse, PlacementSession

WINDOW = 2000
BURN_IN = 50
REFRESH_SECONDS = 60.0

_lock = threading.Lock()
# (monotonic time read, sessions in the window, version id → sessions that used it)
_counts: list[tuple[float, int, dict[int, int]]] = []
# The rates laid out for each cached bank until the counts are read again (id → the bank
# itself, so the id cannot be reused, and its rates).
_rates: dict[int, tuple[ItemBank, FloatArray]] = {}


def exposure_rates(items: ItemBank) -> FloatArray | None:
    """Share of recent sessions that used each item of `items` (by bank index), or None."""
    sessions, used = _recent_counts()
    if sessions < BURN_IN:
        return None
    with _lock:
        cached = _rates.get(id(items))
    if cached is not None and cached[0] is items:
        return cached[1]
    counts = np.fromiter((used.get(int(i), 0) for i in items.ids), np.float64, items.size)
    rates = np.asarray(counts / sessions, dtype=np.float64)
    rates.flags.writeable = False  # shared between requests
    with _lock:
        _rates[id(items)] = (items, rates)
    return rates


def _recent_counts() -> tuple[int, dict[int, int]]:
    now = time.monotonic()
    with _lock:
        if _counts and now - _counts[0][0] < REFRESH_SECONDS:
            return _counts[0][1], _counts[0][2]
    recent = list(
        PlacementSession.objects.filter(items_answered__gt=0)
        .order_by("-pk")
        .values_list("pk", flat=True)[:WINDOW]
    )
    used: dict[int, int] = {}
    if len(recent) >= BURN_IN:
        rows = (
            PlacementResponse.objects.filter(session_id__in=recent, pretest=False)
            .values("version_id")
            .annotate(n=Count("session_id", distinct=True))
            .values_list("version_id", "n")
        )
        used = {int(version_id): int(n) for version_id, n in rows}
    with _lock:
        _counts[:] = [(now, len(recent), used)]
        _rates.clear()
    return len(recent), used


def exposure_cache_clear() -> None:
    """Forget the cached counts (tests)."""
    with _lock:
        _counts.clear()
        _rates.clear()
