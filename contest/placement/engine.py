"""Adaptive placement engine: EAP on a grid, maximum-information selection, conservative award.

A functional core with no Django imports. The bank lives in numpy arrays; a session is a
frozen `SessionState` that every step replaces, and that the service stores as a JSON dict
between HTTP requests (`SessionState.to_dict` / `SessionState.from_dict`).

Driving one session::

    state = start(bank, config, blueprint, group="default", rng=rng)
    while not should_stop(state):
        item = select_next(state, rng, exposure_rates=rates)  # rates may be None
        state = record(state, item, correct=ask(bank.ids[item]))
    placement = result(state)

How it decides, and why (figures from `benchmarks/placement_sim.py`, scenarios S1/S2 of
shared/reference/placement-simulation.md):

- Warm-up: two easy items (P(correct | prior mean) ≈ 0.8), the most informative of them,
  so the warm-up is not wasted (about +0.01 accuracy in S1).
- Selection: Fisher information at the EAP within the area the blueprint needs next;
  with running exposure rates, information is weighted by 1 − rate/ceiling (the maximum
  priority index of Cheng & Chang, 2009), which spreads use over many near-best items at
  almost no cost in accuracy, unlike Sympson–Hetter skipping or a wider randomesque.
  Information at the cut scores, and mutual information with the level, were measured
  too: no gain, since the people still being tested sit near a cut anyway.
- Stopping (a truncated Bayesian sequential rule): stop once the awarded level holds a
  posterior probability that falls linearly from `stop_posterior_start` at `min_items` to
  `stop_posterior_end` at `max_items`, and, when a level above the lowest is awarded,
  P(θ ≥ its cut) ≥ `stop_pass_posterior`. The falling threshold is the shape of the
  Bayes-optimal rule with a cost per item (dynamic programming on a normal model): more
  items help less as the test grows. The pass condition keeps false certification down.
  With 25 items at most and S1's bank, no stopping rule reaches 0.84 exact accuracy:
  the same dynamic programme puts the ceiling near 0.81 with the conservative award.
- Award: the highest level whose cut the person passed with P(θ ≥ cut) ≥
  `award_threshold`, else the level below ("gần đạt"). Early stops already have 0.90 on
  the awarded cut, so the threshold matters for tests that reach `max_items`.
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
# Smallest weight the maximum priority index gives an item past the exposure ceiling.
_ROOM_FLOOR = 1e-3


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
    """Engine settings; the defaults are the production settings the benchmark measures."""

    min_items: int = 10
    # The cap bounds accuracy more than any rule does: in S1, 0.80 at 16 items with 25;
    # 0.83 at 18 items with 40 (see benchmarks/placement_sim.py before raising it).
    max_items: int = 25
    warmup_items: int = 2
    # Warm-up items have P(correct | prior mean) within warmup_tolerance of this; the
    # warmup_candidates most informative of them are drawn uniformly.
    warmup_p_correct: float = 0.8
    warmup_tolerance: float = 0.03
    warmup_candidates: int = 10
    # Uniform among the k best-scoring items (randomesque), after the priority weighting.
    randomesque_k: int = 2
    # P(awarded level) needed to stop, from min_items (start) to max_items (end).
    stop_posterior_start: float = 0.82
    stop_posterior_end: float = 0.70
    # P(θ ≥ the awarded level's cut) needed to stop before max_items.
    stop_pass_posterior: float = 0.90
    award_threshold: float = 0.70
    cuts: tuple[float, ...] = (-1.0, 0.0, 1.0)
    grid_min: float = -4.0
    grid_max: float = 4.0
    grid_points: int = 81
    priors: Mapping[str, Prior] = field(default_factory=_default_priors, hash=False)
    # Inclusive range of unscored pretest items seeded into each session.
    pretest_items: tuple[int, int] = (1, 2)
    # Maximum priority index: with running exposure rates, an item's information is
    # weighted by 1 − rate / exposure_ceiling (at least 0.001). 0.55 keeps S1's overlap near
    # 0.14 and its highest exposure near 0.25.
    exposure_ceiling: float = 0.55

    def __post_init__(self) -> None:
        if not 0 < self.min_items <= self.max_items:
            raise ValueError("need 0 < min_items <= max_items")
        if list(self.cuts) != sorted(self.cuts):
            raise ValueError("cuts must be increasing")
        if not 0 <= self.pretest_items[0] <= self.pretest_items[1]:
            raise ValueError("pretest_items is an inclusive (low, high) range")
        if self.randomesque_k < 1 or self.warmup_candidates < 1:
            raise ValueError("randomesque_k and warmup_candidates must be at least 1")
        if not 0.0 < self.exposure_ceiling <= 1.0:
            raise ValueError("exposure_ceiling is a share of sessions in (0, 1]")

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

    `exposure_rates` (share of recent sessions that used each item, by bank index) switches
    on the maximum priority index; without them selection is randomesque only.
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
    a = bank.a[candidates]
    b = bank.b[candidates]
    if len(state.items) < config.warmup_items:
        return _pick(candidates, _warmup_scores(state, a, b), config.warmup_candidates, rng)
    scores = item_information(state.posterior.mean, a, b)
    if exposure_rates is not None:
        room = 1.0 - exposure_rates[candidates] / config.exposure_ceiling
        # The floor keeps information in charge when every candidate is past the ceiling
        # (a small bank, where each item is in most tests), instead of a random pick.
        scores = scores * np.clip(room, _ROOM_FLOOR, 1.0)
    return _pick(candidates, scores, config.randomesque_k, rng)


def _warmup_scores(state: SessionState, a: FloatArray, b: FloatArray) -> FloatArray:
    """Easy items first; among the easy ones, the more informative at the prior mean."""
    config = state.config
    prior_mean = config.prior_for(state.group).mean
    off = np.abs(p_correct(prior_mean, a, b) - config.warmup_p_correct)
    easy = off <= config.warmup_tolerance + _TIE
    if int(easy.sum()) < config.warmup_candidates:
        return np.asarray(-off, dtype=np.float64)  # a small bank: the nearest to easy
    info = item_information(prior_mean, a, b)
    return np.asarray(np.where(easy, info, -np.inf), dtype=np.float64)


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


def stop_threshold(config: EngineConfig, n_items: int) -> float:
    """P(awarded level) needed to stop after n_items: linear from start to end."""
    span = config.max_items - config.min_items
    if span <= 0:
        return config.stop_posterior_end
    frac = min(max((n_items - config.min_items) / span, 0.0), 1.0)
    return (
        config.stop_posterior_start
        + (config.stop_posterior_end - config.stop_posterior_start) * frac
    )


def should_stop(state: SessionState) -> bool:
    """Stop at max_items; from min_items on, once the award is settled (module docstring)."""
    config = state.config
    n = len(state.items)
    if n >= config.max_items:
        return True
    if n < config.min_items:
        return False
    if _pretest_due(state):
        return False
    at_least = _at_least(state)
    level = award_conservative(at_least, config.award_threshold)
    passed = level == 0 or float(at_least[level - 1]) >= config.stop_pass_posterior
    held = float(level_probabilities_from_at_least(at_least)[level])
    if passed and held >= stop_threshold(config, n):
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
