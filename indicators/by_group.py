"""The figures of one target group (residents, pupils, workers, public servants): for
each indicator of the group, the people counted per level and period, the rate on the
denominator, and the distance to every target year of the plan (2025 and 2030), not only
the next one. Indicators of every group (contest participations, Người bản số) are shown
with this group's share of them, as plain counts: their targets are not per group."""

from __future__ import annotations

from dataclasses import dataclass

from community.models import TargetGroup
from indicators import counting, exports, selectors
from indicators.denominators import Figure
from indicators.models import IndicatorDefinition

TREND_QUARTERS = 6


@dataclass(frozen=True, slots=True)
class TargetDistance:
    year: int
    target: float
    gap: float | None  # None while the rate cannot be computed; 0 once reached


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    period: counting.Period
    label: str
    provisional: bool
    by_level: list[int]  # aligned with GroupIndicator.levels
    count: int
    value: float | None  # a percentage, people per volunteer, or the count
    targets: list[TargetDistance]


@dataclass(frozen=True, slots=True)
class GroupIndicator:
    definition: IndicatorDefinition
    levels: list[str]
    denominator: Figure | None
    targets: list[tuple[int, float]]
    rows: list[PeriodFigures]


@dataclass(frozen=True, slots=True)
class SharedRow:
    period: counting.Period
    label: str
    counts: list[int]  # aligned with GroupPage.shared


@dataclass(frozen=True, slots=True)
class GroupPage:
    group: TargetGroup
    indicators: list[GroupIndicator]
    shared: list[IndicatorDefinition]
    shared_rows: list[SharedRow]


def periods_shown(period: counting.Period) -> list[counting.Period]:
    """The quarters leading to the chosen period, and the period itself if it is a
    half-year, a year or the cumulative count; the chosen one comes last."""
    last = period if period.kind != "all" else selectors.current_period()
    shown = counting.quarters_up_to(last, TREND_QUARTERS)
    if period.kind != "quarter":
        shown.append(period)
    return shown


def levels_shown(definition: IndicatorDefinition, found: set[str]) -> list[str]:
    """Levels at or above the indicator's minimum that anyone reached, in level order,
    then any other code counted (a participation's "TG"); at least the minimum."""
    allowed = counting.levels_at_or_above(definition.min_level_code) or counting.LEVEL_ORDER
    levels = [lv for lv in allowed if lv in found]
    levels += sorted(found - set(counting.LEVEL_ORDER))
    if not levels and definition.min_level_code:
        levels = [definition.min_level_code]
    return levels


def distance(target: float, value: float | None) -> float | None:
    return None if value is None else round(max(target - value, 0.0), 2)


def group_page(
    group: TargetGroup,
    period: counting.Period,
    commune: str | None = None,
    defs: list[IndicatorDefinition] | None = None,
) -> GroupPage:
    defs = defs if defs is not None else selectors.definitions()
    periods = periods_shown(period)
    counts = selectors.counts_by_period_level([p.code for p in periods], group.code, commune)
    denominators = selectors.Denominators()
    labels = {p.code: exports.period_label(p) for p in periods}
    indicators = []
    for d in (d for d in defs if d.target_group_id == group.code):
        found = {lv for (i, _p, lv) in counts if i == d.pk}
        levels = levels_shown(d, found)
        denominator = denominators.for_(d, commune)
        targets = [(t.year, float(t.value)) for t in d.targets.all()]
        rows = []
        for p in periods:
            by_level = [counts.get((d.pk, p.code, lv), 0) for lv in levels]
            count = sum(n for (i, code, _lv), n in counts.items() if i == d.pk and code == p.code)
            value = selectors.indicator_value(d, count, p, denominator).value
            rows.append(
                PeriodFigures(
                    p,
                    labels[p.code],
                    selectors.period_is_open(p),
                    by_level,
                    count,
                    value,
                    [TargetDistance(year, t, distance(t, value)) for year, t in targets],
                )
            )
        indicators.append(GroupIndicator(d, levels, denominator, targets, rows))
    shared = [d for d in defs if d.target_group_id is None]
    shared_rows = [
        SharedRow(
            p,
            labels[p.code],
            [
                sum(n for (i, code, _lv), n in counts.items() if i == d.pk and code == p.code)
                for d in shared
            ],
        )
        for p in periods
    ]
    return GroupPage(group, indicators, shared, shared_rows)
