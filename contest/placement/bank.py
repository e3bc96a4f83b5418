"""The placement item bank as the engine's arrays, built from published questions
and cached per process until the bank changes (so "answer → next question" does
no bank query), plus the engine settings read from the framework's levels."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.db.models import Count, Max

from contest.placement.engine import Blueprint, EngineConfig, ItemBank, Prior
from contest.placement.exposure import exposure_cache_clear
from question_banks.models import Framework, Question, QuestionVersion

# The residents' blueprint proposed in shared/reference/skill-frameworks.md §5.
AREA_SHARES = {"A0": 0.15, "A1": 0.15, "A2": 0.20, "A4": 0.25, "A5": 0.15, "A6": 0.10}
PRETEST_TAG = "pretest"
FRAMEWORK_CODE = "kns-cb-4"
# Priors per target group: a little below average for residents, above for public servants.
PRIORS = {
    "default": Prior(0.0, 1.0),
    "resident": Prior(-0.3, 1.0),
    "student": Prior(0.0, 1.0),
    "worker": Prior(0.0, 1.0),
    "public_servant": Prior(0.3, 1.0),
}


@dataclass(frozen=True)
class PlacementBank:
    items: ItemBank
    blueprint: Blueprint
    areas: tuple[str, ...]  # area code of each area index


_cache: dict[str, tuple[tuple[object, ...], PlacementBank]] = {}
_lock = threading.Lock()
# The bank's stamp is re-read at most this often per process: a question published
# now joins the placement bank within seconds, and answers skip the query meanwhile.
STAMP_SECONDS = 10.0
_stamp_cache: list[tuple[float, tuple[object, ...]]] = []


def placement_bank(group: str) -> PlacementBank:
    stamp = _current_stamp()
    with _lock:
        cached = _cache.get(group)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    bank = _build(group)
    with _lock:
        _cache[group] = (stamp, bank)
    return bank


def _current_stamp() -> tuple[object, ...]:
    now = time.monotonic()
    with _lock:
        if _stamp_cache and now - _stamp_cache[0][0] < STAMP_SECONDS:
            return _stamp_cache[0][1]
    stamp = _stamp()
    with _lock:
        _stamp_cache[:] = [(now, stamp)]
    return stamp


def bank_cache_clear() -> None:
    """Forget the cached bank, stamp and exposure counts (tests; after a bulk import)."""
    with _lock:
        _cache.clear()
        _stamp_cache.clear()
    exposure_cache_clear()


def _stamp() -> tuple[object, ...]:
    """Changes whenever a version is published, retired or recalibrated."""
    published = QuestionVersion.objects.filter(status=QuestionVersion.Status.PUBLISHED)
    figures = published.aggregate(
        n=Count("pk"),
        last=Max("published_at"),
        calibrated=Max("irt_calibrated_at"),
        top=Max("pk"),
        newest=Max("created_at"),
    )
    return tuple(figures.values())


def _build(group: str) -> PlacementBank:
    rows = list(
        QuestionVersion.objects.filter(
            status=QuestionVersion.Status.PUBLISHED,
            target_groups__code=group,
            competence__placement_area__gt="",
        )
        .distinct()
        .values_list("pk", "question_id", "irt_a", "irt_b", "competence__placement_area")
    )
    if not rows:
        raise LookupError(f"no placement items for {group}")
    pretest = set(
        QuestionVersion.objects.filter(tags__slug=PRETEST_TAG).values_list("pk", flat=True)
    )
    areas = tuple(code for code in AREA_SHARES if any(r[4] == code for r in rows))
    area_index = {code: i for i, code in enumerate(areas)}
    groups = _enemy_groups()
    items = ItemBank.from_lists(
        ids=[r[0] for r in rows],
        a=[r[2] for r in rows],
        b=[r[3] for r in rows],
        area=[area_index[r[4]] for r in rows],
        is_pretest=[r[0] in pretest for r in rows],
        enemy_group=[groups.get(r[1], -1) for r in rows],
    )
    total = sum(AREA_SHARES[code] for code in areas)
    blueprint = Blueprint(shares=tuple(AREA_SHARES[code] / total for code in areas))
    return PlacementBank(items=items, blueprint=blueprint, areas=areas)


def _enemy_groups() -> dict[int, int]:
    """Question id → enemy group (connected component of the enemy relation)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = Question.enemies.through.objects.values_list("from_question_id", "to_question_id")
    for a, b in pairs:
        parent[find(a)] = find(b)
    return {q: find(q) for q in parent}


def engine_config(framework: Framework) -> EngineConfig:
    cuts = tuple(
        cut
        for cut in framework.levels.order_by("rank").values_list("cut_score", flat=True)
        if cut is not None
    )
    return EngineConfig(cuts=cuts, priors=PRIORS)


def placement_framework() -> Framework:
    return Framework.objects.get(code=FRAMEWORK_CODE)
