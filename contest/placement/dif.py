"""Differential item functioning by Mantel–Haenszel: does an item favour one group
(reference) over another (focal) among people of the same ability?

A functional core with no Django imports. People are matched on ability strata
(quantiles of their EAP ability: adaptive sessions see different items, so a total
score would not compare like with like). Each item gets the MH common odds ratio α,
the ETS delta Δ = −2.35 ln α (negative: harder for the focal group), the MH chi-square
with continuity correction, and the ETS category:

* A (negligible): |Δ| < 1, or the chi-square is not significant at 5 %;
* C (large): |Δ| ≥ 1.5 and |Δ| significantly above 1 (one-sided, 5 %);
* B (moderate): everything else.

The standard error of ln α is the Robins–Breslow–Greenland estimate.

On a short test an item with DIF drags the matching ability of the group it disfavours,
so clean items look biased the other way. `mantel_haenszel_purified` runs twice: items
flagged B or C in the first pass leave the matching ability, and each item is then
matched on the clean items plus itself (Holland & Thayer).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
# Ability per person estimated from the item columns marked True.
AbilityFrom = Callable[[BoolArray], FloatArray]

REFERENCE = 0
FOCAL = 1
OUTSIDE = -1  # in neither group (unknown age, no ethnicity recorded, ...)

Category = Literal["A", "B", "C"]
_DELTA_SCALE = -2.35
_CHI2_5_PERCENT = 3.841458820694124  # chi-square(1) at 0.95
_Z_ONE_SIDED_5_PERCENT = 1.6448536269514722


@dataclass(frozen=True)
class ItemDif:
    index: int  # column of the response matrix
    n_reference: int
    n_focal: int
    alpha: float | None = None  # None: not enough data, or no discordant answers at all
    delta: float | None = None
    se_delta: float | None = None
    chi_square: float | None = None
    p_value: float | None = None
    category: Category | None = None
    reason: str = ""  # why there is no result

    @property
    def favours(self) -> str:
        if self.delta is None or self.category in (None, "A"):
            return ""
        return "reference" if self.delta < 0.0 else "focal"


def ability_strata(theta: npt.ArrayLike, n_strata: int = 10) -> IntArray:
    """Stratum 0..n_strata−1 of each ability by its quantile; −1 where theta is NaN."""
    values = np.asarray(theta, dtype=np.float64)
    known = ~np.isnan(values)
    strata = np.full(values.shape, -1, dtype=np.int64)
    if not known.any():
        return strata
    inner = np.quantile(values[known], np.linspace(0.0, 1.0, n_strata + 1)[1:-1])
    strata[known] = np.searchsorted(np.unique(inner), values[known], side="right")
    return strata


def mantel_haenszel(
    responses: npt.ArrayLike,
    group: npt.ArrayLike,
    strata: npt.ArrayLike,
    *,
    min_per_group: int = 50,
) -> tuple[ItemDif, ...]:
    """MH DIF per item. `responses` is persons × items (1, 0, NaN); `group` holds
    REFERENCE, FOCAL or OUTSIDE per person; `strata` the matching stratum (−1: unmatched)."""
    data = np.array(responses, dtype=np.float64, ndmin=2)
    groups = np.asarray(group, dtype=np.int64)
    levels = np.asarray(strata, dtype=np.int64)
    if groups.shape != (data.shape[0],) or levels.shape != (data.shape[0],):
        raise ValueError("group and strata need one entry per person")
    matched = (groups != OUTSIDE) & (levels >= 0)
    return tuple(
        _item_dif(i, data[matched, i], groups[matched], levels[matched], min_per_group)
        for i in range(data.shape[1])
    )


def mantel_haenszel_purified(
    responses: npt.ArrayLike,
    group: npt.ArrayLike,
    ability_from: AbilityFrom,
    *,
    n_strata: int = 10,
    min_per_group: int = 50,
) -> tuple[ItemDif, ...]:
    """Two-stage MH: flag with every item in the matching ability, then match each item
    on the unflagged items plus itself."""
    data = np.array(responses, dtype=np.float64, ndmin=2)
    count = data.shape[1]
    every = np.ones(count, dtype=np.bool_)
    first = mantel_haenszel(
        data, group, ability_strata(ability_from(every), n_strata), min_per_group=min_per_group
    )
    flagged = np.array([r.category in ("B", "C") for r in first], dtype=np.bool_)
    if not flagged.any() or flagged.all():
        return first
    clean_strata = ability_strata(ability_from(~flagged), n_strata)
    second = list(mantel_haenszel(data, group, clean_strata, min_per_group=min_per_group))
    for index in (int(i) for i in np.flatnonzero(flagged)):
        columns = ~flagged
        columns[index] = True
        strata = ability_strata(ability_from(columns), n_strata)
        (alone,) = mantel_haenszel(data[:, [index]], group, strata, min_per_group=min_per_group)
        second[index] = replace(alone, index=index)
    return tuple(second)


def _item_dif(
    index: int, answers: FloatArray, groups: IntArray, levels: IntArray, min_per_group: int
) -> ItemDif:
    seen = ~np.isnan(answers)
    right, focal, level = answers[seen] == 1.0, groups[seen] == FOCAL, levels[seen]
    n_focal = int(focal.sum())
    n_reference = int(focal.size - n_focal)
    if min(n_reference, n_focal) < max(min_per_group, 1):
        return ItemDif(index, n_reference, n_focal, reason="not enough data")
    size = int(level.max()) + 1

    def count(mask: npt.NDArray[np.bool_]) -> FloatArray:
        return np.bincount(level[mask], minlength=size).astype(np.float64)

    a_k, b_k = count(~focal & right), count(~focal & ~right)
    c_k, d_k = count(focal & right), count(focal & ~right)
    total = a_k + b_k + c_k + d_k
    usable = total >= 2.0
    a_k, b_k, c_k, d_k, total = (x[usable] for x in (a_k, b_k, c_k, d_k, total))
    r_k, s_k = a_k * d_k / total, b_k * c_k / total
    if r_k.sum() <= 0.0 or s_k.sum() <= 0.0:
        return ItemDif(index, n_reference, n_focal, reason="no discordant answers")
    alpha = float(r_k.sum() / s_k.sum())
    chi_square = _mh_chi_square(a_k, b_k, c_k, d_k, total)
    se_delta = abs(_DELTA_SCALE) * math.sqrt(_rbg_variance(a_k, b_k, c_k, d_k, total))
    delta = _DELTA_SCALE * math.log(alpha)
    return ItemDif(
        index,
        n_reference,
        n_focal,
        alpha=alpha,
        delta=delta,
        se_delta=se_delta,
        chi_square=chi_square,
        p_value=math.erfc(math.sqrt(chi_square / 2.0)),
        category=ets_category(delta, se_delta, chi_square),
    )


def _mh_chi_square(
    a_k: FloatArray, b_k: FloatArray, c_k: FloatArray, d_k: FloatArray, total: FloatArray
) -> float:
    n_ref, n_focal = a_k + b_k, c_k + d_k
    m_right, m_wrong = a_k + c_k, b_k + d_k
    expected = n_ref * m_right / total
    variance = n_ref * n_focal * m_right * m_wrong / (total * total * (total - 1.0))
    if variance.sum() <= 0.0:
        return 0.0
    gap = max(abs(float(a_k.sum() - expected.sum())) - 0.5, 0.0)
    return gap * gap / float(variance.sum())


def _rbg_variance(
    a_k: FloatArray, b_k: FloatArray, c_k: FloatArray, d_k: FloatArray, total: FloatArray
) -> float:
    """Robins–Breslow–Greenland variance of ln α_MH."""
    p, q = (a_k + d_k) / total, (b_k + c_k) / total
    r, s = a_k * d_k / total, b_k * c_k / total
    sum_r, sum_s = float(r.sum()), float(s.sum())
    return float(
        (p * r).sum() / (2.0 * sum_r**2)
        + (p * s + q * r).sum() / (2.0 * sum_r * sum_s)
        + (q * s).sum() / (2.0 * sum_s**2)
    )


def ets_category(delta: float, se_delta: float, chi_square: float) -> Category:
    size = abs(delta)
    if size < 1.0 or chi_square < _CHI2_5_PERCENT:
        return "A"
    if size >= 1.5 and se_delta > 0.0 and (size - 1.0) / se_delta > _Z_ONE_SIDED_5_PERCENT:
        return "C"
    return "B"
