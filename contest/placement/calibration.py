"""Item calibration from collected placement responses: marginal maximum likelihood by
EM on a quadrature grid (Bock–Aitkin), Rasch or 2PL, with optional anchor items.

A functional core with no Django imports. Responses come as a persons × items matrix of
1.0 (right), 0.0 (wrong) and NaN (not administered): adaptive sessions see only a few
items each, so most cells are NaN, and the likelihood of a person uses only their cells.

The scale is identified in one of three ways:

* 2PL with no anchors: abilities follow N(0, 1);
* Rasch with no anchors: abilities follow N(0, σ²) and σ is estimated (a = 1 fixes the unit);
* with anchors (item → (a, b), held fixed): N(μ, σ²) with both estimated, so the free items
  land on the anchors' scale.

Item standard errors come from each item's block of the observed information (Louis's
formula: complete-data information minus the information lost to not knowing θ), taken
item by item and conditional on the ability distribution, as BILOG does. Infit and outfit
are the usual mean squares of standardised residuals at the persons' EAP abilities.

    fit = calibrate(matrix, model="rasch", anchors={3: (1.0, -0.4)})
    for item in fit.items:
        print(item.index, item.status, item.b, item.se_b, item.infit, item.outfit)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Model = Literal["rasch", "2pl"]
ItemStatus = Literal["estimated", "anchored", "not_estimable"]
# Called once per EM cycle with (cycle, marginal log-likelihood, largest parameter change).
Progress = Callable[[int, float, float], None]

# Newton steps are capped so one bad cycle cannot throw an item off the grid.
_MAX_STEP_B = 1.0
_MAX_STEP_A = 0.5
_B_LIMIT = 10.0
_P_FLOOR = 1e-12


@dataclass(frozen=True)
class CalibrationSettings:
    n_quadrature: int = 61
    grid_limit: float = 6.0  # the grid spans ±grid_limit logits
    tolerance: float = 1e-4  # largest parameter change between cycles at convergence
    max_iterations: int = 500
    newton_steps: int = 3  # per item per M-step
    a_bounds: tuple[float, float] = (0.2, 4.0)
    a_prior_sd: float = 0.5  # lognormal(0, sd²) prior on a keeps 2PL slopes sensible

    def __post_init__(self) -> None:
        if self.n_quadrature < 11 or self.grid_limit <= 0.0:
            raise ValueError("the quadrature grid needs at least 11 points and a positive span")
        low, high = self.a_bounds
        if not 0.0 < low < high:
            raise ValueError("a_bounds must be 0 < low < high")


@dataclass(frozen=True)
class ItemEstimate:
    index: int  # column of the response matrix
    status: ItemStatus
    model: Model
    n: int  # responses to the item
    n_correct: int
    a: float | None = None  # None when not estimable
    b: float | None = None
    se_a: float | None = None  # None for Rasch and anchored items
    se_b: float | None = None
    infit: float | None = None
    outfit: float | None = None
    reason: str = ""  # why an item is not estimable


@dataclass(frozen=True, eq=False)
class Calibration:
    items: tuple[ItemEstimate, ...]
    theta: FloatArray  # EAP ability per person (NaN for a person with no usable response)
    theta_se: FloatArray
    ability_mean: float
    ability_sd: float
    log_likelihood: float
    iterations: int
    converged: bool

    @property
    def estimated(self) -> tuple[ItemEstimate, ...]:
        return tuple(item for item in self.items if item.status == "estimated")


@dataclass
class _Fit:
    """Working parameters during EM; a and b hold every item's current value."""

    a: FloatArray
    b: FloatArray
    free_b: BoolArray
    free_a: BoolArray
    mean: float
    sd: float
    free_mean: bool
    free_sd: bool


# --- public API ----------------------------------------------------------------------------


def calibrate(
    responses: npt.ArrayLike,
    *,
    model: Model = "rasch",
    anchors: Mapping[int, tuple[float, float]] | None = None,
    free_slopes: Sequence[bool] | BoolArray | None = None,
    settings: CalibrationSettings | None = None,
    progress: Progress | None = None,
) -> Calibration:
    """Fit item parameters to `responses` (persons × items; 1, 0 or NaN).

    `anchors` maps an item's column to its (a, b), held fixed. With `model="2pl"` every
    free item gets its own slope unless `free_slopes` says which do (the rest stay Rasch,
    a = 1), e.g. only items with enough responses for a stable slope.
    """
    settings = settings or CalibrationSettings()
    data = _as_matrix(responses)
    answered = ~np.isnan(data)
    right = np.where(answered, data, 0.0) == 1.0
    n = answered.sum(axis=0).astype(np.int64)
    n_correct = (right & answered).sum(axis=0).astype(np.int64)
    anchors = dict(anchors or {})
    _check_anchors(anchors, data.shape[1])
    anchored = np.zeros(data.shape[1], dtype=np.bool_)
    anchored[list(anchors)] = True
    estimable = (n_correct > 0) & (n_correct < n)
    free_b = estimable & ~anchored
    used = free_b | (anchored & (n > 0))
    fit = _initial_fit(n, n_correct, free_b, anchors, model, free_slopes, anchored)
    grid = np.linspace(-settings.grid_limit, settings.grid_limit, settings.n_quadrature)
    y1 = (right & answered & used).astype(np.float64)
    y0 = (~right & answered & used).astype(np.float64)
    people = (y1 + y0).sum(axis=1) > 0
    converged, iterations, loglik = _em(fit, y1[people], y0[people], grid, settings, progress)
    theta, theta_se, weights = _eap(fit, y1, y0, grid)
    theta[~people] = np.nan
    theta_se[~people] = np.nan
    infit, outfit = _fit_statistics(fit, data, answered, theta)
    se_a, se_b = _standard_errors(fit, y1[people], y0[people], weights[people], grid)
    items = tuple(
        _item_estimate(i, fit, n, n_correct, anchored, estimable, se_a, se_b, infit, outfit)
        for i in range(data.shape[1])
    )
    return Calibration(
        items=items,
        theta=theta,
        theta_se=theta_se,
        ability_mean=fit.mean,
        ability_sd=fit.sd,
        log_likelihood=loglik,
        iterations=iterations,
        converged=converged,
    )


def eap_abilities(
    responses: npt.ArrayLike,
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    mean: float = 0.0,
    sd: float = 1.0,
    settings: CalibrationSettings | None = None,
) -> tuple[FloatArray, FloatArray]:
    """EAP ability and its posterior SD per person, with item parameters known."""
    settings = settings or CalibrationSettings()
    data = _as_matrix(responses)
    answered = ~np.isnan(data)
    right = np.where(answered, data, 0.0) == 1.0
    count = data.shape[1]
    fit = _Fit(
        a=np.broadcast_to(np.asarray(a, dtype=np.float64), (count,)).copy(),
        b=np.broadcast_to(np.asarray(b, dtype=np.float64), (count,)).copy(),
        free_b=np.zeros(count, dtype=np.bool_),
        free_a=np.zeros(count, dtype=np.bool_),
        mean=mean,
        sd=sd,
        free_mean=False,
        free_sd=False,
    )
    grid = np.linspace(-settings.grid_limit, settings.grid_limit, settings.n_quadrature)
    y1 = (right & answered).astype(np.float64)
    y0 = (~right & answered).astype(np.float64)
    theta, theta_se, _ = _eap(fit, y1, y0, grid)
    return theta, theta_se


def p_correct(theta: FloatArray | float, a: FloatArray, b: FloatArray) -> FloatArray:
    """P(right) of each item (columns) at each theta (rows when theta is an array)."""
    z = np.multiply.outer(np.asarray(theta, dtype=np.float64), a) - a * b
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


# --- setup ---------------------------------------------------------------------------------


def _as_matrix(responses: npt.ArrayLike) -> FloatArray:
    data = np.array(responses, dtype=np.float64, ndmin=2)
    if data.ndim != 2:
        raise ValueError("responses must be a persons × items matrix")
    seen = data[~np.isnan(data)]
    if np.any((seen != 0.0) & (seen != 1.0)):
        raise ValueError("responses must be 1, 0 or NaN")
    return data


def _check_anchors(anchors: Mapping[int, tuple[float, float]], count: int) -> None:
    for index, (a, _b) in anchors.items():
        if not 0 <= index < count:
            raise ValueError(f"anchor {index} is not a column of the response matrix")
        if a <= 0.0:
            raise ValueError(f"anchor {index} has a non-positive slope")


def _initial_fit(
    n: npt.NDArray[np.int64],
    n_correct: npt.NDArray[np.int64],
    free_b: BoolArray,
    anchors: Mapping[int, tuple[float, float]],
    model: Model,
    free_slopes: Sequence[bool] | BoolArray | None,
    anchored: BoolArray,
) -> _Fit:
    count = n.shape[0]
    # Start from the logit of the share wrong: right for Rasch when abilities centre on 0.
    share = (n_correct + 0.5) / (n + 1.0)
    b = np.clip(np.log((1.0 - share) / share), -4.0, 4.0)
    a = np.ones(count, dtype=np.float64)
    for index, (slope, difficulty) in anchors.items():
        a[index], b[index] = slope, difficulty
    if model == "2pl":
        slopes = np.ones(count, dtype=np.bool_) if free_slopes is None else np.asarray(free_slopes)
        if slopes.shape != (count,):
            raise ValueError("free_slopes needs one flag per item")
        free_a = slopes.astype(np.bool_) & free_b
    else:
        free_a = np.zeros(count, dtype=np.bool_)
    has_anchors = bool(anchored.any())
    # The unit is fixed by any item whose slope is held (Rasch items or anchors).
    unit_fixed = has_anchors or bool(np.any(free_b & ~free_a))
    return _Fit(
        a=a,
        b=b,
        free_b=free_b,
        free_a=free_a,
        mean=0.0,
        sd=1.0,
        free_mean=has_anchors,
        free_sd=unit_fixed,
    )


# --- EM ------------------------------------------------------------------------------------


def _posterior(
    fit: _Fit, y1: FloatArray, y0: FloatArray, grid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Posterior weights over the grid per person, and each person's log marginal."""
    p = np.clip(p_correct(grid, fit.a, fit.b), _P_FLOOR, 1.0 - _P_FLOOR)  # grid × items
    log_like = y1 @ np.log(p).T + y0 @ np.log1p(-p).T  # persons × grid
    log_prior = -0.5 * ((grid - fit.mean) / fit.sd) ** 2
    log_prior -= np.log(np.exp(log_prior - log_prior.max()).sum()) + log_prior.max()
    joint = log_like + log_prior
    top = joint.max(axis=1, keepdims=True)
    weights = np.exp(joint - top)
    total = weights.sum(axis=1, keepdims=True)
    return weights / total, (np.log(total) + top)[:, 0]


def _em(
    fit: _Fit,
    y1: FloatArray,
    y0: FloatArray,
    grid: FloatArray,
    settings: CalibrationSettings,
    progress: Progress | None,
) -> tuple[bool, int, float]:
    loglik = -math.inf
    for cycle in range(1, settings.max_iterations + 1):
        weights, marginal = _posterior(fit, y1, y0, grid)
        loglik = float(marginal.sum())
        r = y1.T @ weights  # expected right answers per item and grid point
        m = (y1 + y0).T @ weights  # expected answers per item and grid point
        change = _m_step_items(fit, r, m, grid, settings)
        change = max(change, _m_step_abilities(fit, weights, grid))
        if progress is not None:
            progress(cycle, loglik, change)
        if change < settings.tolerance:
            return True, cycle, loglik
    return False, settings.max_iterations, loglik


def _m_step_items(
    fit: _Fit, r: FloatArray, m: FloatArray, grid: FloatArray, settings: CalibrationSettings
) -> float:
    before_a, before_b = fit.a.copy(), fit.b.copy()
    rasch = fit.free_b & ~fit.free_a
    slopes = fit.free_a
    for _ in range(settings.newton_steps):
        if rasch.any():
            _newton_rasch(fit, rasch, r[rasch], m[rasch], grid)
        if slopes.any():
            _newton_2pl(fit, slopes, r[slopes], m[slopes], grid, settings)
    return float(max(np.abs(fit.a - before_a).max(), np.abs(fit.b - before_b).max()))


def _newton_rasch(
    fit: _Fit, rows: BoolArray, r: FloatArray, m: FloatArray, grid: FloatArray
) -> None:
    a, b = fit.a[rows], fit.b[rows]
    p = p_correct(grid, a, b).T  # items × grid
    gradient = (r - m * p).sum(axis=1)  # ∂ℓ/∂b = −a·Σ(r − mP)
    information = a * (m * p * (1.0 - p)).sum(axis=1)
    step = np.clip(gradient / np.maximum(information, 1e-10), -_MAX_STEP_B, _MAX_STEP_B)
    fit.b[rows] = np.clip(b - step, -_B_LIMIT, _B_LIMIT)


def _newton_2pl(
    fit: _Fit,
    rows: BoolArray,
    r: FloatArray,
    m: FloatArray,
    grid: FloatArray,
    settings: CalibrationSettings,
) -> None:
    """One Newton step in slope–intercept form (z = aθ + d), lognormal prior on a."""
    a, b = fit.a[rows], fit.b[rows]
    d = -a * b
    p = p_correct(grid, a, b).T
    residual = r - m * p
    w = m * p * (1.0 - p)
    prior_var = settings.a_prior_sd**2
    grad_a = (residual * grid).sum(axis=1) - (np.log(a) / prior_var + 1.0) / a
    grad_d = residual.sum(axis=1)
    info_aa = (w * grid**2).sum(axis=1) + 1.0 / (a * a * prior_var)
    info_ad = (w * grid).sum(axis=1)
    info_dd = w.sum(axis=1)
    det = np.maximum(info_aa * info_dd - info_ad**2, 1e-10)
    step_a = np.clip((info_dd * grad_a - info_ad * grad_d) / det, -_MAX_STEP_A, _MAX_STEP_A)
    step_d = np.clip((info_aa * grad_d - info_ad * grad_a) / det, -_MAX_STEP_B, _MAX_STEP_B)
    low, high = settings.a_bounds
    new_a = np.clip(a + step_a, low, high)
    fit.a[rows] = new_a
    fit.b[rows] = np.clip(-(d + step_d) / new_a, -_B_LIMIT, _B_LIMIT)


def _m_step_abilities(fit: _Fit, weights: FloatArray, grid: FloatArray) -> float:
    if not (fit.free_mean or fit.free_sd):
        return 0.0
    people = weights.shape[0]
    mean = float((weights @ grid).sum() / people) if fit.free_mean else fit.mean
    sd = fit.sd
    if fit.free_sd:
        sd = max(float(math.sqrt((weights @ (grid - mean) ** 2).sum() / people)), 0.05)
    change = max(abs(mean - fit.mean), abs(sd - fit.sd))
    fit.mean, fit.sd = mean, sd
    return change


# --- results -------------------------------------------------------------------------------


def _eap(
    fit: _Fit, y1: FloatArray, y0: FloatArray, grid: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    weights, _ = _posterior(fit, y1, y0, grid)
    theta = weights @ grid
    spread = np.sqrt(np.maximum(weights @ grid**2 - theta**2, 0.0))
    return theta, spread, weights


def _fit_statistics(
    fit: _Fit, data: FloatArray, answered: BoolArray, theta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Infit and outfit mean squares per item at the EAP abilities (NaN without data)."""
    rows = ~np.isnan(theta)
    p = p_correct(theta[rows], fit.a, fit.b)
    seen = answered[rows]
    variance = np.where(seen, p * (1.0 - p), 0.0)
    squared = np.where(seen, (np.nan_to_num(data[rows]) - p) ** 2, 0.0)
    count = seen.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        outfit = np.where(seen, squared / np.maximum(variance, _P_FLOOR), 0.0).sum(axis=0) / count
        infit = squared.sum(axis=0) / variance.sum(axis=0)
    return np.asarray(infit, dtype=np.float64), np.asarray(outfit, dtype=np.float64)


def _standard_errors(
    fit: _Fit, y1: FloatArray, y0: FloatArray, weights: FloatArray, grid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """SE of a and b per free item from its block of the observed information (Louis)."""
    count = fit.a.shape[0]
    se_a = np.full(count, np.nan)
    se_b = np.full(count, np.nan)
    if not fit.free_b.any():
        return se_a, se_b
    seen = y1 + y0
    r = y1.T @ weights
    m = seen.T @ weights
    p = p_correct(grid, fit.a, fit.b)  # grid × items
    q = 1.0 - p
    expected_p = weights @ p  # persons × items: E[P | responses]
    expected_tp = weights @ (grid[:, None] * p)  # E[θ·P | responses]
    expected_t = (weights @ grid)[:, None]
    pt, qt, rt, mt = p.T, q.T, r, m
    # Complete-data information minus E[s sᵀ] plus Σ s̄ s̄ᵀ, per item, in (a, d) coordinates.
    pq = mt * pt * qt
    e_ss = rt * qt**2 + (mt - rt) * pt**2  # Σ_q of E over y of (y − P)² at each node
    g = grid[None, :]
    score_d = seen * (y1 - expected_p)  # person's expected score for d (or −b in Rasch)
    score_a = seen * (y1 * expected_t - expected_tp)
    i_dd = (pq - e_ss).sum(axis=1) + (score_d**2).sum(axis=0)
    i_aa = ((pq - e_ss) * g**2).sum(axis=1) + (score_a**2).sum(axis=0)
    i_ad = ((pq - e_ss) * g).sum(axis=1) + (score_a * score_d).sum(axis=0)
    a, b = fit.a, fit.b
    rasch = fit.free_b & ~fit.free_a
    with np.errstate(divide="ignore", invalid="ignore"):
        # Rasch: z = a(θ − b), so ∂z/∂b = −a and the information in b is a²·I_dd.
        se_b[rasch] = 1.0 / np.sqrt(a[rasch] ** 2 * i_dd[rasch])
        det = i_aa * i_dd - i_ad**2
        var_a = i_dd / det
        var_d = i_aa / det
        cov_ad = -i_ad / det
        # b = −d/a: gradient (d/a², −1/a) = (−b/a, −1/a).
        ga, gd = -b / a, -1.0 / a
        var_b = ga**2 * var_a + 2.0 * ga * gd * cov_ad + gd**2 * var_d
    two_pl = fit.free_a & (det > 0.0) & (var_a > 0.0) & (var_b > 0.0)
    se_a[two_pl] = np.sqrt(var_a[two_pl])
    se_b[two_pl] = np.sqrt(var_b[two_pl])
    return se_a, se_b


def _item_estimate(
    index: int,
    fit: _Fit,
    n: npt.NDArray[np.int64],
    n_correct: npt.NDArray[np.int64],
    anchored: BoolArray,
    estimable: BoolArray,
    se_a: FloatArray,
    se_b: FloatArray,
    infit: FloatArray,
    outfit: FloatArray,
) -> ItemEstimate:
    model: Model = "2pl" if fit.free_a[index] or fit.a[index] != 1.0 else "rasch"
    total, right = int(n[index]), int(n_correct[index])
    if not anchored[index] and not estimable[index]:
        return ItemEstimate(
            index=index,
            status="not_estimable",
            model=model,
            n=total,
            n_correct=right,
            reason=_not_estimable_reason(right, total),
        )
    return ItemEstimate(
        index=index,
        status="anchored" if anchored[index] else "estimated",
        model=model,
        n=total,
        n_correct=right,
        a=float(fit.a[index]),
        b=float(fit.b[index]),
        se_a=_finite(se_a[index]),
        se_b=_finite(se_b[index]),
        infit=_finite(infit[index]),
        outfit=_finite(outfit[index]),
    )


def _not_estimable_reason(right: int, total: int) -> str:
    if total == 0:
        return "no responses"
    return "all answers right" if right == total else "all answers wrong"


def _finite(value: np.float64) -> float | None:
    return float(value) if np.isfinite(value) else None
