"""Keeping the roll-ups current and proving them right.

Design: a person's certificates are turned, per indicator, into non-overlapping
qualification segments (indicators/counting.py), stored in QualificationSegment. The
roll-up cells are the sum over people of the cells their segments cover. When a
certificate is issued, changed or revoked, `participant_sync` recomputes that one
person's segments from all their certificates, subtracts the cells of the old segments
and adds those of the new ones, in the certificate's own transaction and under a lock on
the participant row. Because the difference is taken per person, a second certificate of
someone already counted changes nothing, and revoking one of two certificates keeps the
person counted: "a person counts once" holds by construction, not by careful counters.

`rollups_rebuild` recomputes everything from the certificates (segments and cells, the
latter with difference arrays) and records the rule each indicator was counted with;
`rollups_verify` checks the roll-up against raw COUNT(DISTINCT …) queries on the
certificate table, which share no code with either.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Concat

from certification.models import Certificate
from community.models import Participant
from indicators import counting
from indicators.counting import CertificateFact, RollupKey, Segment
from indicators.models import (
    RECOUNT_PENDING,
    IndicatorDefinition,
    IndicatorRollup,
    QualificationSegment,
)

FACT_FIELDS = (
    "participant_id",
    "kind",
    "achievement_code",
    "level_code",
    "commune_code",
    "target_group_code",
    "valid_from",
    "valid_until",
    "revoked_at",
)
Row = tuple[int, str, str, str, str, str, dt.datetime, dt.datetime | None, dt.datetime | None]


def _fact(row: Row) -> CertificateFact:
    pid, kind, code, level, commune, group, start, until, revoked = row
    return CertificateFact(
        pid, kind, code, level, commune, group, start, CertificateFact.end_of(until, revoked)
    )


def active_rules() -> list[counting.Rule]:
    return [d.rule() for d in IndicatorDefinition.objects.filter(active=True)]


# --- Incremental ---------------------------------------------------------------------


def participant_sync(*, participant_id: int) -> Counter[RollupKey]:
    """Recount one person after one of their certificates changed; returns the change."""
    rules = active_rules()
    with transaction.atomic():
        # Serialises concurrent issues and revocations for the same person.
        list(Participant.objects.select_for_update().filter(pk=participant_id).values("pk"))
        rows = Certificate.objects.filter(participant_id=participant_id).values_list(*FACT_FIELDS)
        facts = [_fact(row) for row in rows]
        old = _stored_segments(participant_id)
        delta: Counter[RollupKey] = Counter()
        changed: list[int] = []
        fresh: list[QualificationSegment] = []
        for rule in rules:
            new = counting.rule_segments(rule, facts)
            before = old.pop(rule.indicator_id, [])
            if new == before:
                continue
            changed.append(rule.indicator_id)
            delta.update(counting.contributions(rule.indicator_id, new))
            delta.subtract(counting.contributions(rule.indicator_id, before))
            fresh.extend(_segment_row(rule.indicator_id, participant_id, s) for s in new)
        for indicator_id, before in old.items():  # indicators switched off since
            changed.append(indicator_id)
            delta.subtract(counting.contributions(indicator_id, before))
        if changed:
            QualificationSegment.objects.filter(
                participant_id=participant_id, indicator_id__in=changed
            ).delete()
            QualificationSegment.objects.bulk_create(fresh)
            _apply(delta)
    return Counter({key: n for key, n in delta.items() if n})


def _stored_segments(participant_id: int) -> dict[int, list[Segment]]:
    found: dict[int, list[Segment]] = {}
    rows = QualificationSegment.objects.filter(participant_id=participant_id).order_by(
        "indicator_id", "subject", "valid_from"
    )
    for row in rows:
        found.setdefault(row.indicator_id, []).append(
            Segment(
                row.subject,
                row.level_code,
                row.commune_code,
                row.target_group_code,
                row.valid_from,
                row.valid_until,
            )
        )
    return found


def _segment_row(indicator_id: int, participant_id: int, s: Segment) -> QualificationSegment:
    return QualificationSegment(
        indicator_id=indicator_id,
        participant_id=participant_id,
        subject=s.subject,
        level_code=s.level_code,
        commune_code=s.commune,
        target_group_code=s.target_group,
        valid_from=s.start,
        valid_until=s.end,
    )


def _apply(delta: Counter[RollupKey]) -> None:
    """Add the changes with one upsert per cell, in a fixed order (no deadlocks)."""
    items = sorted((key, n) for key, n in delta.items() if n)
    if not items:
        return
    table = connection.ops.quote_name(IndicatorRollup._meta.db_table)
    # The table name comes from the model, every value is a parameter.
    sql = (
        f"INSERT INTO {table} "  # noqa: S608
        "(indicator_id, commune_code, target_group_code, level_code, period, count) "
        "VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (indicator_id, commune_code, target_group_code, level_code, period) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, n) for key, n in items])


# --- From scratch --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RebuildSummary:
    certificates: int
    participants: int
    segments: int
    cells: int


def facts_by_participant() -> Iterator[tuple[int, list[CertificateFact]]]:
    rows = Certificate.objects.order_by("participant_id").values_list(*FACT_FIELDS)
    current: int | None = None
    facts: list[CertificateFact] = []
    for row in rows.iterator(chunk_size=20_000):
        if row[0] != current:
            if facts and current is not None:
                yield current, facts
            current, facts = row[0], []
        facts.append(_fact(row))
    if facts and current is not None:
        yield current, facts


def rollups_compute(
    *, sink: Callable[[int, int, list[Segment]], None] | None = None
) -> tuple[Counter[RollupKey], RebuildSummary]:
    """Every roll-up cell, computed from the certificates alone."""
    rules = active_rules()
    acc = counting.RollupAccumulator()
    certificates = participants = segments = 0
    for participant_id, facts in facts_by_participant():
        participants += 1
        certificates += len(facts)
        for rule in rules:
            found = counting.rule_segments(rule, facts)
            if found:
                segments += len(found)
                acc.add(rule.indicator_id, found)
                if sink is not None:
                    sink(rule.indicator_id, participant_id, found)
    cells = acc.cells()
    return cells, RebuildSummary(certificates, participants, segments, len(cells))


def rollups_rebuild() -> RebuildSummary:
    """Replace the segments and the roll-up with a recount from scratch (one transaction)."""
    with transaction.atomic():
        _empty(QualificationSegment)
        _empty(IndicatorRollup)
        writer = _SegmentWriter()
        cells, summary = rollups_compute(sink=writer.add)
        writer.flush()
        IndicatorRollup.objects.bulk_create(
            (
                IndicatorRollup(
                    indicator_id=i,
                    commune_code=c,
                    target_group_code=g,
                    level_code=lv,
                    period=p,
                    count=n,
                )
                for (i, c, g, lv, p), n in cells.items()
            ),
            batch_size=5_000,
        )
        _record_counted_rules()
    return summary


def _record_counted_rules() -> None:
    definitions = list(IndicatorDefinition.objects.all())
    for d in definitions:
        d.counted_rule = d.rule_fingerprint() if d.active else dict(RECOUNT_PENDING)
    IndicatorDefinition.objects.bulk_update(definitions, ["counted_rule"])


def rollups_snapshot() -> Counter[RollupKey]:
    rows = IndicatorRollup.objects.exclude(count=0).values_list(
        "indicator_id", "commune_code", "target_group_code", "level_code", "period", "count"
    )
    return Counter({(i, c, g, lv, p): n for i, c, g, lv, p, n in rows.iterator(chunk_size=20_000)})


def rollups_diff(left: Counter[RollupKey], right: Counter[RollupKey]) -> list[RollupKey]:
    return sorted(key for key in set(left) | set(right) if left[key] != right[key])


def _empty(model: type[QualificationSegment] | type[IndicatorRollup]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of this transaction must run before a TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        model.objects.all().delete()


class _SegmentWriter:
    """Buffered segment inserts: COPY on PostgreSQL, bulk_create elsewhere."""

    BATCH = 20_000

    def __init__(self) -> None:
        self.rows: list[QualificationSegment] = []
        self.written = 0

    def add(self, indicator_id: int, participant_id: int, segments: list[Segment]) -> None:
        self.rows.extend(_segment_row(indicator_id, participant_id, s) for s in segments)
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy()
        else:
            QualificationSegment.objects.bulk_create(self.rows, batch_size=2_000)
        self.written += len(self.rows)
        self.rows = []

    def _copy(self) -> None:
        columns = (
            "indicator_id, participant_id, subject, level_code, commune_code, "
            "target_group_code, valid_from, valid_until"
        )
        table = connection.ops.quote_name(QualificationSegment._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for r in self.rows:
                copy.write_row(
                    (
                        r.indicator_id,
                        r.participant_id,
                        r.subject,
                        r.level_code,
                        r.commune_code,
                        r.target_group_code,
                        r.valid_from,
                        r.valid_until,
                    )
                )


# --- Proof against the raw table -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mismatch:
    indicator: str
    period: str
    rollup: int
    raw: int


def raw_total(definition: IndicatorDefinition, period: counting.Period) -> int:
    """Subjects counted by a plain COUNT(DISTINCT …) on the certificate table."""
    certs = Certificate.objects.filter(kind__in=definition.certificate_kinds)
    if definition.target_group_id:
        certs = certs.filter(target_group_code=definition.target_group_id)
    if definition.achievement_prefix:
        certs = certs.filter(achievement_code__startswith=definition.achievement_prefix)
    if definition.min_level_code:
        certs = certs.filter(level_code__in=counting.levels_at_or_above(definition.min_level_code))
    if period.kind == "all":
        certs = certs.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=F("valid_from")),
        )
    else:
        boundary = period.boundary()
        certs = certs.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=boundary),
            Q(revoked_at__isnull=True) | Q(revoked_at__gte=boundary),
            valid_from__lt=boundary,
        )
    # COUNT(DISTINCT …) sorts; SELECT COUNT(*) FROM (SELECT DISTINCT …) let PostgreSQL
    # pick a parallel hash aggregate that, with too few groups estimated, took over
    # 15 minutes at 1.2 million certificates instead of about one second.
    subject: Any = F("participant_id")
    if definition.per_achievement:
        subject = Concat(
            Cast("participant_id", CharField()),
            Value(":"),
            "achievement_code",
            output_field=CharField(),
        )
    return int(certs.aggregate(n=Count(subject, distinct=True))["n"])


def rollups_verify(periods: list[counting.Period]) -> list[Mismatch]:
    """Province totals of the roll-up against the raw count, per indicator and period."""
    from django.db.models import Sum

    mismatches = []
    for definition in IndicatorDefinition.objects.filter(active=True):
        for period in periods:
            stored = (
                IndicatorRollup.objects.filter(indicator=definition, period=period.code).aggregate(
                    total=Sum("count")
                )["total"]
                or 0
            )
            raw = raw_total(definition, period)
            if stored != raw:
                mismatches.append(Mismatch(definition.code, period.code, stored, raw))
    return mismatches
