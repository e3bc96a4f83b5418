"""Adaptive placement engine: EAP on a grid, maximum-information selection, conservative award.

A functional core with no Django imports. The bank lives in numpy arrays; a session is a
frozen `SessionState` that every step replaces, and that the service stores as a JSON dict
between HTTP requests (`SessionState.to_dict` / `SessionState.from_dict`).

Driving one session::

    state = start(bank, config, blueprint, group="default", rng=rng)
    while not should_stop(state):
        item = select_next(state, rng)
        state = record(state, item, correct=ask(bank.ids[item]))
    placement = result(state)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

STATE_VERSION = 1
# Deficits and information values closer than this count as ties.
_TIE = 1e-9
# Keeps log P finite for items far from a grid point.
_P_FLOOR = 1e-12


# --- item response functions -------------------------------------------------------------


def p_correct(theta: float | FloatArray, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """2PL probability of a correct answer (Rasch when a = 1)."""
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    return np.asarray(1.0 / (1.0 + np.exp(-a_arr * (theta - b_arr))), dtype=np.float64)


def item_information(theta: float | FloatArray, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Fisher information of 2PL items at theta: a²·P·Q."""
    a_arr = np.asarray(a, dtype=np.float64)
    p = p_correct(theta, a_arr, b)
    return np.asarray(a_arr * a_arr * p * (1.0 - p), dtype=np.float64)


def test_information(theta: float, a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Sum of the item informations of a test at theta."""
    return float(np.sum(item_information(theta, a, b)))


# Not a pytest test, although the name starts with "test".
test_information.__test__ = False  # type: ignore[attr-defined]


def standard_error(theta: float, a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Asymptotic standard error 1/sqrt(test information); infinite for an empty test."""
    info = test_information(theta, a, b)
    return math.inf if info <= 0.0 else 1.0 / math.sqrt(info)


# --- bank, blueprint, configuration ------------------------------------------------------


@dataclass(frozen=True)
class _GridTables:
    log_p: FloatArray
    log_q: FloatArray


@dataclass(frozen=True, eq=False)
class ItemBank:
    """Item parameters as parallel arrays; row i is item `ids[i]`."""

    ids: IntArray
    a: FloatArray
    b: FloatArray
    area: IntArray
    is_pretest: BoolArray
    enemy_group: IntArray
    _tables: dict[bytes, _GridTables] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _index: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = self.ids.shape[0]
        arrays = (self.a, self.b, self.area, self.is_pretest, self.enemy_group)
        if any(arr.shape != (n,) for arr in arrays):
            raise ValueError("all item arrays must have the same length")
        if n == 0:
            raise ValueError("an item bank needs at least one item")
        if np.any(self.a <= 0.0):
            raise ValueError("discriminations must be positive")
        if np.any(self.area < 0):
            raise ValueError("areas are indices from 0")
        self._index.update({int(item_id): i for i, item_id in enumerate(self.ids)})
        if len(self._index) != n:
            raise ValueError("item ids must be unique")

    @classmethod
    def from_lists(
        cls,
        *,
        ids: Sequence[int],
        b: Sequence[float],
        area: Sequence[int],
        a: Sequence[float] | None = None,
        is_pretest: Sequence[bool] | None = None,
        enemy_group: Sequence[int] | None = None,
    ) -> ItemBank:
        """Build a bank from plain lists; omitted a means Rasch (a = 1)."""
        n = len(ids)
        return cls(
            ids=np.asarray(ids, dtype=np.int64),
            a=np.asarray(a if a is not None else [1.0] * n, dtype=np.float64),
            b=np.asarray(b, dtype=np.float64),
            area=np.asarray(area, dtype=np.int64),
            is_pretest=np.asarray(is_pretest if is_pretest is not None else [False] * n, bool),
            enemy_group=np.asarray(enemy_group if enemy_group is not None else [-1] * n, np.int64),
        )

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_areas(self) -> int:
        return int(self.area.max()) + 1

    def index_of(self, item_id: int) -> int:
        return self._index[int(item_id)]

    def grid_tables(self, grid: FloatArray) -> _GridTables:
        """log P and log Q of every item at every grid point, computed once per grid."""
        key = grid.tobytes()
        tables = self._tables.get(key)
        if tables is None:
            p = p_correct(grid[np.newaxis, :], self.a[:, np.newaxis], self.b[:, np.newaxis])
            p = np.clip(p, _P_FLOOR, 1.0 - _P_FLOOR)
            tables = _GridTables(log_p=np.log(p), log_q=np.log1p(-p))
            self._tables[key] = tables
        return tables


@dataclass(frozen=True)
class Blueprint:
    """Target share of each content area (index = area), summing to 1."""

    shares: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.shares or any(s < 0.0 for s in self.shares):
            raise ValueError("blueprint shares must be non-negative")
        if abs(sum(self.shares) - 1.0) > 1e-6:
            raise ValueError("blueprint shares must sum to 1")

    @classmethod
    def equal(cls, n_areas: int) -> Blueprint:
        return cls(shares=tuple([1.0 / n_areas] * n_areas))

    @cached_property
    def share_array(self) -> FloatArray:
        return np.asarray(self.shares, dtype=np.float64)


@dataclass(frozen=True)
class Prior:
    """Normal prior on theta for one target group."""

    mean: float = 0.0
    sd: float = 1.0


def _default_priors() -> dict[str, Prior]:
    return {"default": Prior()}


@dataclass(frozen=True)
class EngineConfig:
    min_items: int = 10
    max_items: int = 25
    warmup_items: int = 2
    # Warm-up items are drawn from the items whose P(correct | prior mean) is nearest this.
    warmup_p_correct: float = 0.8
    warmup_candidates: int = 10
    randomesque_k: int = 5
    stop_posterior: float = 0.90
    award_threshold: float = 0.75
    cuts: tuple[float, ...] = (-1.0, 0.0, 1.0)
    grid_min: float = -4.0
    grid_max: float = 4.0
    grid_points: int = 81
    priors: Mapping[str, Prior] = field(default_factory=_default_priors, hash=False)
    # Inclusive range of unscored pretest items seeded into each session.
    pretest_items: tuple[int, int] = (1, 2)
    # Sympson–Hetter-lite: when the caller passes running exposure rates, items used in
    # more than this share of sessions are skipped while k others remain.
    max_exposure: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.min_items <= self.max_items:
            raise ValueError("need 0 < min_items <= max_items")
        if list(self.cuts) != sorted(self.cuts):
            raise ValueError("cuts must be increasing")
        if not 0 <= self.pretest_items[0] <= self.pretest_items[1]:
            raise ValueError("pretest_items is an inclusive (low, high) range")

    @cached_property
    def grid(self) -> FloatArray:
        return np.linspace(self.grid_min, self.grid_max, self.grid_points, dtype=np.float64)

    @cached_property
    def above_cut(self) -> FloatArray:
        return _above_cut_matrix(self.grid, self.cuts)

    @property
    def n_levels(self) -> int:
        return len(self.cuts) + 1

    def prior_for(self, group: str) -> Prior:
        return self.priors[group]


# --- posterior and levels ----------------------------------------------------------------


@dataclass(frozen=True)
class Posterior:
    mean: float
    sd: float
    weights: FloatArray


def prior_log_weights(grid: FloatArray, prior: Prior) -> FloatArray:
    z = (grid - prior.mean) / prior.sd
    return np.asarray(-0.5 * z * z, dtype=np.float64)


def posterior_from_log_weights(log_weights: FloatArray, grid: FloatArray) -> Posterior:
    """EAP mean and posterior SD (the standard error) from unnormalised log weights."""
    w = np.exp(log_weights - log_weights.max())
    w /= w.sum()
    mean = float(w @ grid)
    sd = math.sqrt(max(float(w @ (grid - mean) ** 2), 0.0))
    return Posterior(mean=mean, sd=sd, weights=w)


def _above_cut_matrix(grid: FloatArray, cuts: Sequence[float]) -> FloatArray:
    # Each grid point stands for the cell of width h around it; a cell cut by a cut score
    # counts above it in proportion, so a point lying on a cut splits half and half.
    h = float(grid[1] - grid[0]) if grid.shape[0] > 1 else 1.0
    cut_arr = np.asarray(cuts, dtype=np.float64)
    frac = (grid[:, np.newaxis] + h / 2.0 - cut_arr[np.newaxis, :]) / h
    return np.asarray(np.clip(frac, 0.0, 1.0), dtype=np.float64)


def prob_at_least(weights: FloatArray, grid: FloatArray, cuts: Sequence[float]) -> FloatArray:
    """P(θ ≥ cut_k) for each cut, from normalised grid weights (uniform grid)."""
    return np.asarray(weights @ _above_cut_matrix(grid, cuts), dtype=np.float64)


def level_probabilities_from_at_least(at_least: FloatArray) -> FloatArray:
    upper = np.concatenate(([1.0], at_least))
    lower = np.concatenate((at_least, [0.0]))
    return np.asarray(np.clip(upper - lower, 0.0, 1.0), dtype=np.float64)


def level_probabilities(weights: FloatArray, grid: FloatArray, cuts: Sequence[float]) -> FloatArray:
    """P(level k): posterior mass between cut k and cut k+1 (level 0 lies below the first cut)."""
    return level_probabilities_from_at_least(prob_at_least(weights, grid, cuts))


def award_conservative(at_least: Sequence[float] | FloatArray, threshold: float) -> int:
    """Highest level k with P(θ ≥ cut_k) ≥ threshold; 0 when no cut qualifies."""
    level = 0
    for k, p in enumerate(at_least, start=1):
        if p >= threshold:
            level = k
    return level


def award_most_probable(level_probs: Sequence[float] | FloatArray) -> int:
    return int(np.argmax(np.asarray(level_probs)))


# --- sessions ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SessionState:
    """One placement session; `bank` and `config` are attached, not serialised."""

    bank: ItemBank = field(repr=False)
    config: EngineConfig = field(repr=False)
    blueprint: Blueprint
    group: str
    items: tuple[int, ...]
    responses: tuple[bool, ...]
    pretest_positions: tuple[int, ...]
    pretest_items: tuple[int, ...]
    pretest_responses: tuple[bool, ...]
    log_weights: FloatArray = field(repr=False)

    @cached_property
    def posterior(self) -> Posterior:
        return posterior_from_log_weights(self.log_weights, self.config.grid)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able snapshot; items are stored by id so the bank may grow between requests."""
        ids = self.bank.ids
        return {
            "version": STATE_VERSION,
            "group": self.group,
            "blueprint": list(self.blueprint.shares),
            "items": [int(ids[i]) for i in self.items],
            "responses": list(self.responses),
            "pretest_positions": list(self.pretest_positions),
            "pretest_items": [int(ids[i]) for i in self.pretest_items],
            "pretest_responses": list(self.pretest_responses),
            "log_weights": [float(x) for x in self.log_weights],
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, bank: ItemBank, config: EngineConfig
    ) -> SessionState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported placement state version {data.get('version')!r}")
        log_weights = np.asarray(data["log_weights"], dtype=np.float64)
        if log_weights.shape != config.grid.shape:
            raise ValueError("stored posterior does not match the configured grid")
        return cls(
            bank=bank,
            config=config,
            blueprint=Blueprint(shares=tuple(float(s) for s in data["blueprint"])),
            group=str(data["group"]),
            items=tuple(bank.index_of(i) for i in data["items"]),
            responses=tuple(bool(r) for r in data["responses"]),
            pretest_positions=tuple(int(p) for p in data["pretest_positions"]),
            pretest_items=tuple(bank.index_of(i) for i in data["pretest_items"]),
            pretest_responses=tuple(bool(r) for r in data["pretest_responses"]),
            log_weights=log_weights,
        )


@dataclass(frozen=True)
class PlacementResult:
    level: int
    most_probable_level: int
    near: bool  # "gần đạt": the most probable level is above the awarded one
    theta: float
    standard_error: float
    level_probabilities: tuple[float, ...]
    prob_at_least: tuple[float, ...]
    n_items: int


def start(
    bank: ItemBank,
    config: EngineConfig,
    blueprint: Blueprint,
    *,
    rng: np.random.Generator,
    group: str = "default",
) -> SessionState:
    """A fresh session; pretest slots are drawn now, after warm-up and before min_items."""
    if len(blueprint.shares) < bank.n_areas:
        raise ValueError("the blueprint has no share for some of the bank's areas")
    prior = config.prior_for(group)
    return SessionState(
        bank=bank,
        config=config,
        blueprint=blueprint,
        group=group,
        items=(),
        responses=(),
        pretest_positions=_draw_pretest_positions(bank, config, rng),
        pretest_items=(),
        pretest_responses=(),
        log_weights=prior_log_weights(config.grid, prior),
    )


def _draw_pretest_positions(
    bank: ItemBank, config: EngineConfig, rng: np.random.Generator
) -> tuple[int, ...]:
    # Slot p means "after p scored items"; p < min_items so the slot comes before any stop.
    slots = list(range(min(config.warmup_items, config.min_items - 1), config.min_items))
    if not bank.is_pretest.any() or not slots:
        return ()
    low, high = config.pretest_items
    count = min(int(rng.integers(low, high + 1)), len(slots))
    return tuple(sorted(int(p) for p in rng.choice(slots, size=count, replace=False)))


def posterior(state: SessionState) -> Posterior:
    """EAP and posterior SD of a session (computed once per state)."""
    return state.posterior


def _eligible(state: SessionState, *, pretest: bool) -> BoolArray:
    bank = state.bank
    mask = bank.is_pretest.copy() if pretest else ~bank.is_pretest
    used = state.items + state.pretest_items
    if used:
        used_idx = np.fromiter(used, dtype=np.int64, count=len(used))
        mask[used_idx] = False
        for group in set(bank.enemy_group[used_idx].tolist()) - {-1}:
            mask &= bank.enemy_group != group
    return mask


def _pretest_due(state: SessionState) -> bool:
    n = len(state.items)
    given = len(state.pretest_items)
    return given < len(state.pretest_positions) and state.pretest_positions[given] == n


def _pick(candidates: IntArray, scores: FloatArray, k: int, rng: np.random.Generator) -> int:
    """Randomesque: uniform among the k best-scoring candidates."""
    if candidates.shape[0] > k:
        top = np.argpartition(-scores, k - 1)[:k]
        candidates = candidates[top]
    return int(candidates[int(rng.integers(candidates.shape[0]))])


def _area_targets(state: SessionState, mask: BoolArray) -> BoolArray:
    """Areas most behind their blueprint count for the next test length."""
    bank = state.bank
    n_areas = len(state.blueprint.shares)
    counts = np.bincount(bank.area[list(state.items)], minlength=n_areas)
    deficit = state.blueprint.share_array * (len(state.items) + 1) - counts
    targets = deficit >= deficit.max() - _TIE
    if mask[targets[bank.area]].any():
        return np.asarray(targets, dtype=np.bool_)
    # The areas most behind have run dry (enemies, a small bank): take the next ones.
    available = np.bincount(bank.area[mask], minlength=n_areas) > 0
    deficit = np.where(available, deficit, -np.inf)
    return np.asarray(deficit >= deficit.max() - _TIE, dtype=np.bool_)


def select_next(
    state: SessionState,
    rng: np.random.Generator,
    *,
    exposure_rates: FloatArray | None = None,
) -> int:
    """Index (into the bank) of the next item: a due pretest item, else the next scored item.

    `exposure_rates` (share of past sessions that used each item) switches on
    Sympson–Hetter-lite exposure control with `config.max_exposure` as the ceiling.
    """
    if _pretest_due(state):
        pretest = np.flatnonzero(_eligible(state, pretest=True))
        if pretest.shape[0] > 0:
            return int(pretest[int(rng.integers(pretest.shape[0]))])
    config = state.config
    bank = state.bank
    mask = _eligible(state, pretest=False)
    if not mask.any():
        raise LookupError("no eligible item left in the bank")
    candidates = np.flatnonzero(mask & _area_targets(state, mask)[bank.area])
    n = len(state.items)
    k = config.warmup_candidates if n < config.warmup_items else config.randomesque_k
    if exposure_rates is not None and config.max_exposure < 1.0:
        fresh = candidates[exposure_rates[candidates] < config.max_exposure]
        if fresh.shape[0] >= k:
            candidates = fresh
    a = bank.a[candidates]
    b = bank.b[candidates]
    if n < config.warmup_items:
        prior = config.prior_for(state.group)
        scores = -np.abs(p_correct(prior.mean, a, b) - config.warmup_p_correct)
    else:
        scores = item_information(state.posterior.mean, a, b)
    return _pick(candidates, scores, k, rng)


def record(state: SessionState, item: int, correct: bool) -> SessionState:
    """A new state with the answer to `item`; pretest answers leave the posterior alone."""
    if item in state.items or item in state.pretest_items:
        raise ValueError(f"item {item} was already administered in this session")
    if state.bank.is_pretest[item]:
        return replace(
            state,
            pretest_items=(*state.pretest_items, item),
            pretest_responses=(*state.pretest_responses, bool(correct)),
        )
    tables = state.bank.grid_tables(state.config.grid)
    log_weights = state.log_weights + (tables.log_p[item] if correct else tables.log_q[item])
    return replace(
        state,
        items=(*state.items, item),
        responses=(*state.responses, bool(correct)),
        log_weights=log_weights - log_weights.max(),
    )


def _at_least(state: SessionState) -> FloatArray:
    post = state.posterior
    return np.asarray(post.weights @ state.config.above_cut, dtype=np.float64)


def should_stop(state: SessionState) -> bool:
    """Stop at max_items, or from min_items on once one level holds stop_posterior."""
    config = state.config
    n = len(state.items)
    if n >= config.max_items:
        return True
    if n < config.min_items:
        return False
    if _pretest_due(state):
        return False
    levels = level_probabilities_from_at_least(_at_least(state))
    if float(levels.max()) >= config.stop_posterior:
        return True
    return not _eligible(state, pretest=False).any()


def result(state: SessionState) -> PlacementResult:
    config = state.config
    post = state.posterior
    at_least = np.asarray(post.weights @ config.above_cut, dtype=np.float64)
    levels = level_probabilities_from_at_least(at_least)
    level = award_conservative(at_least, config.award_threshold)
    most_probable = award_most_probable(levels)
    return PlacementResult(
        level=level,
        most_probable_level=most_probable,
        near=most_probable > level,
        theta=post.mean,
        standard_error=post.sd,
        level_probabilities=tuple(float(p) for p in levels),
        prob_at_least=tuple(float(p) for p in at_least),
        n_items=len(state.items),
    )
