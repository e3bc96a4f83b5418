"""Reads for the dashboards, the ranking, the reports and the API: every number comes from
the roll-up (a few thousand rows per period at most), never from the certificate table."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Commune
from indicators import counting
from indicators.denominators import Figure, choose_figure, volunteers_by_commune
from indicators.models import Denominator, IndicatorDefinition, IndicatorRollup, IndicatorTarget

Measure = IndicatorDefinition.Measure


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    definition: IndicatorDefinition
    count: int
    denominator: Figure | None
    value: float | None  # a percentage, a count or people per volunteer
    target_year: int | None
    target: float | None
    gap: float | None  # how far the value still is from the target (0 once reached)

    @property
    def is_estimate(self) -> bool:
        return self.denominator is not None and self.denominator.is_estimate


def definitions() -> list[IndicatorDefinition]:
    return list(
        IndicatorDefinition.objects.filter(active=True).prefetch_related(
            Prefetch("targets", queryset=IndicatorTarget.objects.order_by("year"))
        )
    )


def current_period(kind: str = "quarter") -> counting.Period:
    return counting.period_containing(timezone.localdate(), kind)


def period_is_open(period: counting.Period) -> bool:
    """A period not yet over: its count is provisional."""
    return period.kind == "all" or period.end_date() >= timezone.localdate()


# --- Counts --------------------------------------------------------------------------


def totals(period: str, commune: str | None = None) -> dict[int, int]:
    rows = IndicatorRollup.objects.filter(period=period)
    if commune is not None:
        rows = rows.filter(commune_code=commune)
    return {
        r["indicator_id"]: r["n"] or 0 for r in rows.values("indicator_id").annotate(n=Sum("count"))
    }


def totals_by_commune(period: str) -> dict[tuple[int, str], int]:
    rows = IndicatorRollup.objects.filter(period=period).values("indicator_id", "commune_code")
    return {
        (r["indicator_id"], r["commune_code"]): r["n"] or 0 for r in rows.annotate(n=Sum("count"))
    }


def province_totals(by_commune: dict[tuple[int, str], int]) -> dict[int, int]:
    """The province's counts from the communes' (one query fewer for a page with both)."""
    found: dict[int, int] = {}
    for (indicator_id, _commune), n in by_commune.items():
        found[indicator_id] = found.get(indicator_id, 0) + n
    return found


def totals_by_group_level(
    period: str, commune: str | None = None
) -> dict[tuple[int, str, str], int]:
    rows = IndicatorRollup.objects.filter(period=period).exclude(count=0)
    if commune is not None:
        rows = rows.filter(commune_code=commune)
    grouped = rows.values("indicator_id", "target_group_code", "level_code").annotate(
        n=Sum("count")
    )
    return {(r["indicator_id"], r["target_group_code"], r["level_code"]): r["n"] for r in grouped}


def counts_by_period_level(
    periods: list[str], group: str, commune: str | None = None
) -> dict[tuple[int, str, str], int]:
    """(indicator, period, level) -> people of one target group, for the group page."""
    rows = IndicatorRollup.objects.filter(period__in=periods, target_group_code=group).exclude(
        count=0
    )
    if commune is not None:
        rows = rows.filter(commune_code=commune)
    grouped = rows.values("indicator_id", "period", "level_code").annotate(n=Sum("count"))
    return {(r["indicator_id"], r["period"], r["level_code"]): r["n"] for r in grouped}


def trend(periods: list[counting.Period], commune: str | None = None) -> dict[tuple[int, str], int]:
    rows = IndicatorRollup.objects.filter(period__in=[p.code for p in periods])
    if commune is not None:
        rows = rows.filter(commune_code=commune)
    grouped = rows.values("indicator_id", "period").annotate(n=Sum("count"))
    return {(r["indicator_id"], r["period"]): r["n"] or 0 for r in grouped}


# --- Values against denominators and targets -----------------------------------------


class Denominators:
    """Every denominator a page needs, read once (two small queries) and looked up by
    kind and commune: a page asks for 99 communes × every indicator."""

    def __init__(self) -> None:
        self._rows: list[Denominator] | None = None
        self._volunteers: dict[str, int] | None = None
        self._figures: dict[tuple[str, str | None], Figure | None] | None = None

    def rows(self) -> list[Denominator]:
        if self._rows is None:
            self._rows = list(Denominator.objects.all())
        return self._rows

    def for_(self, definition: IndicatorDefinition, commune: str | None) -> Figure | None:
        if definition.measure == Measure.PER_VOLUNTEER:
            volunteers = self.volunteers()
            n = volunteers.get(commune, 0) if commune else sum(volunteers.values())
            return Figure(n, False, _("Tình nguyện viên đã đăng ký"), None) if n else None
        if definition.measure != Measure.PERCENT or not definition.denominator_kind:
            return None
        return self.figure(definition.denominator_kind, commune)

    def figure(self, kind: str, commune: str | None) -> Figure | None:
        if self._figures is None:
            rows = self.rows()
            self._figures = {
                (r.kind, r.commune_id): Figure(r.value, r.is_estimate, r.source, r.as_of)
                for r in rows
                if r.commune_id is not None
            }
            for k in {r.kind for r in rows}:
                self._figures[(k, None)] = choose_figure(rows, k, None)
        return self._figures.get((kind, commune))

    def volunteers(self) -> dict[str, int]:
        if self._volunteers is None:
            self._volunteers = volunteers_by_commune()
        return self._volunteers


def indicator_value(
    definition: IndicatorDefinition,
    count: int,
    period: counting.Period,
    denominator: Figure | None,
    *,
    targets: dict[int, IndicatorTarget | None] | None = None,
) -> IndicatorValue:
    value: float | None
    if definition.measure == Measure.COUNT:
        value = float(count)
    elif denominator is None or denominator.value == 0:
        value = None
    elif definition.measure == Measure.PERCENT:
        value = round(100.0 * count / denominator.value, 2)
    else:
        value = round(count / denominator.value, 2)
    target = targets[definition.pk] if targets is not None else _target_for(definition, period)
    gap = None
    if target is not None and value is not None:
        gap = round(max(float(target.value) - value, 0.0), 2)
    return IndicatorValue(
        definition,
        count,
        denominator,
        value,
        target.year if target else None,
        float(target.value) if target else None,
        gap,
    )


def _target_for(definition: IndicatorDefinition, period: counting.Period) -> IndicatorTarget | None:
    """The milestone being worked towards: the first target due in or after the period."""
    year = timezone.localdate().year if period.kind == "all" else period.year
    targets: list[IndicatorTarget] = list(definition.targets.all())
    due = [t for t in targets if t.year >= year]
    return due[0] if due else (targets[-1] if targets else None)


def values(
    period: counting.Period,
    commune: str | None = None,
    denominators: Denominators | None = None,
    defs: list[IndicatorDefinition] | None = None,
    counts: dict[int, int] | None = None,
) -> list[IndicatorValue]:
    denominators = denominators or Denominators()
    counts = counts if counts is not None else totals(period.code, commune)
    return [
        indicator_value(d, counts.get(d.pk, 0), period, denominators.for_(d, commune))
        for d in (defs if defs is not None else definitions())
    ]


# --- Per commune (reports, ranking) --------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommuneRow:
    commune: Commune
    values: list[IndicatorValue]


def commune_rows(
    period: counting.Period,
    codes: set[str] | None = None,
    denominators: Denominators | None = None,
    defs: list[IndicatorDefinition] | None = None,
    counts: dict[tuple[int, str], int] | None = None,
) -> list[CommuneRow]:
    denominators = denominators or Denominators()
    counts = counts if counts is not None else totals_by_commune(period.code)
    defs = defs if defs is not None else definitions()
    targets = {d.pk: _target_for(d, period) for d in defs}  # the same for every commune
    communes = Commune.objects.all()
    if codes is not None:
        communes = communes.filter(code__in=codes)
    return [
        CommuneRow(
            commune,
            [
                indicator_value(
                    d,
                    counts.get((d.pk, commune.code), 0),
                    period,
                    denominators.for_(d, commune.code),
                    targets=targets,
                )
                for d in defs
            ],
        )
        for commune in communes
    ]
