"""Recounting many holders at once, after certificates were written in bulk.

Bulk inserts (certification/batch.py) send no ``post_save``, so the per-certificate receiver
in indicators/signals.py does not run; certification sends ``certificates_bulk_issued``
once per chunk instead, inside the chunk's transaction. ``participants_sync`` ends in the
state ``services.participant_sync`` would reach if called for each of those people: the
same segments and the same roll-up cells (both from the same ``counting`` functions),
under the same row locks, in the same transaction, with a few statements for the whole
chunk instead of several per person.

Most people in a batch are counted for the first time, and many hold certificates that
read the same but for whose they are (same achievement, level, commune, group and dates).
Their segments and roll-up cells are computed once per such pattern, for a stand-in, and
given to each of them with the subject renamed; anyone already counted, or whose subjects
do not rename one to one, is recounted exactly as ``participant_sync`` does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.dispatch import receiver

from certification.batch import ids_in
from certification.models import Certificate
from certification.signals import certificates_bulk_issued
from community.models import Participant
from indicators import counting
from indicators.counting import RollupKey, Rule, Segment
from indicators.models import IndicatorRollup, QualificationSegment
from indicators.services import FACT_FIELDS, Row, _apply, _fact, _segment_row, active_rules

STAND_IN = 0  # no participant has id 0
SEGMENT_COLUMNS = (
    "indicator_id",
    "participant_id",
    "subject",
    "level_code",
    "commune_code",
    "target_group_code",
    "valid_from",
    "valid_until",
)
Facts = tuple[tuple[Any, ...], ...]  # a person's certificate rows without their id, sorted
Segments = dict[int, list[Segment]]  # by indicator


@receiver(certificates_bulk_issued)
def on_certificates_bulk_issued(sender: Any, participant_ids: Sequence[int], **kwargs: Any) -> None:
    participants_sync(participant_ids)


def participants_sync(participant_ids: Sequence[int]) -> Counter[RollupKey]:
    """Recount these people after their certificates changed; returns the change."""
    people = sorted(set(participant_ids))
    if not people:
        return Counter()
    rules = active_rules()
    with transaction.atomic():
        # The lock participant_sync takes, on every row at once and in id order.
        list(
            Participant.objects.select_for_update()
            .filter(pk__in=ids_in(people))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows: dict[int, list[Row]] = {}
        certificates = Certificate.objects.filter(participant_id__in=ids_in(people))
        for row in certificates.values_list(*FACT_FIELDS).iterator(chunk_size=20_000):
            rows.setdefault(row[0], []).append(row)
        stored = _stored_segments(people)
        delta: Counter[RollupKey] = Counter()
        patterns: dict[Facts, _Pattern] = {}
        counted: Counter[Facts] = Counter()
        rewritten: list[int] = []  # people whose stored segments are replaced
        fresh: list[tuple[int, Segments]] = []
        for person in people:
            facts = tuple(sorted(row[1:] for row in rows.get(person, [])))
            old = stored.pop(person, {})
            if not old:
                pattern = patterns.get(facts)
                if pattern is None:
                    pattern = patterns[facts] = _Pattern(facts, rules)
                renamed = pattern.segments_of(person)
                if renamed is not None:
                    if renamed:
                        counted[facts] += 1
                        fresh.append((person, renamed))
                    continue
            new, change = _recount(person, facts, old, rules)
            if new is None:
                continue
            delta.update(change)
            if old:
                rewritten.append(person)
            fresh.append((person, new))
        for facts, times in counted.items():
            for key, n in patterns[facts].cells.items():
                delta[key] += n * times
        if rewritten:
            QualificationSegment.objects.filter(participant_id__in=ids_in(rewritten)).delete()
        _write_segments(
            (indicator_id, person, s)
            for person, new in fresh
            for indicator_id, segments in new.items()
            for s in segments
        )
        _add_to_rollup(delta)
    return Counter({key: n for key, n in delta.items() if n})


def _recount(
    person: int, facts: Facts, old: Segments, rules: list[Rule]
) -> tuple[Segments | None, Counter[RollupKey]]:
    """participant_sync's comparison for one person: (all new segments, or None when
    nothing changed; the change of the roll-up)."""
    real = [_fact((person, *row)) for row in facts]
    new = {rule.indicator_id: counting.rule_segments(rule, real) for rule in rules}
    change: Counter[RollupKey] = Counter()
    changed = False
    for indicator_id in set(new) | set(old):
        after, before = new.get(indicator_id, []), old.get(indicator_id, [])
        if after != before:
            changed = True
            change.update(counting.contributions(indicator_id, after))
            change.subtract(counting.contributions(indicator_id, before))
    return (new if changed else None), change


class _Pattern:
    """The segments and roll-up cells of everyone first counted with these certificates,
    computed for a stand-in person."""

    def __init__(self, facts: Facts, rules: list[Rule]) -> None:
        self.facts = facts
        self.stand_in = [_fact((STAND_IN, *row)) for row in facts]
        self.rules: list[tuple[Rule, list[str]]] = []  # with the stand-in's subject per fact
        self.segments: Segments = {}
        self.cells: Counter[RollupKey] = Counter()
        for rule in rules:
            found = counting.rule_segments(rule, self.stand_in)
            if found:
                self.rules.append((rule, [rule.subject_key(f) for f in self.stand_in]))
                self.segments[rule.indicator_id] = found
                self.cells.update(counting.contributions(rule.indicator_id, found))

    def segments_of(self, person: int) -> Segments | None:
        """The stand-in's segments under the person's subjects; None when a rule's subjects
        do not rename one to one (then the person is recounted in full)."""
        if not self.rules:
            return {}
        real = [_fact((person, *row)) for row in self.facts]
        renamed: Segments = {}
        for rule, stand_in_subjects in self.rules:
            subjects = [rule.subject_key(fact) for fact in real]
            names = dict(zip(stand_in_subjects, subjects, strict=True))
            if len(set(names.values())) != len(names) or any(
                names[a] != b for a, b in zip(stand_in_subjects, subjects, strict=True)
            ):
                return None
            renamed[rule.indicator_id] = [
                Segment(names[s.subject], s.level_code, s.commune, s.target_group, s.start, s.end)
                for s in self.segments[rule.indicator_id]
            ]
        return renamed


def _stored_segments(people: Sequence[int]) -> dict[int, Segments]:
    """Each person's stored segments by indicator, in participant_sync's order."""
    found: dict[int, Segments] = {}
    rows = (
        QualificationSegment.objects.filter(participant_id__in=ids_in(people))
        .order_by("participant_id", "indicator_id", "subject", "valid_from")
        .values_list("participant_id", "indicator_id", *SEGMENT_COLUMNS[2:])
    )
    for person, indicator_id, subject, level, commune, group, start, end in rows.iterator(
        chunk_size=20_000
    ):
        segment = Segment(subject, level, commune, group, start, end)
        found.setdefault(person, {}).setdefault(indicator_id, []).append(segment)
    return found


def _write_segments(rows: Iterable[tuple[int, int, Segment]]) -> None:
    """COPY on PostgreSQL (no model instances: a batch writes several per person)."""
    if connection.vendor != "postgresql":
        QualificationSegment.objects.bulk_create(
            (_segment_row(indicator_id, person, s) for indicator_id, person, s in rows),
            batch_size=2_000,
        )
        return
    table = connection.ops.quote_name(QualificationSegment._meta.db_table)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(f"COPY {table} ({', '.join(SEGMENT_COLUMNS)}) FROM STDIN") as copy,
    ):
        for indicator_id, person, s in rows:
            copy.write_row(
                (
                    indicator_id,
                    person,
                    s.subject,
                    s.level_code,
                    s.commune,
                    s.target_group,
                    s.start,
                    s.end,
                )
            )


def _add_to_rollup(delta: Counter[RollupKey]) -> None:
    """services._apply in one statement on PostgreSQL (a chunk changes thousands of cells):
    the same upsert, rows taken in the same Python order, so locks are taken in the order
    participant_sync takes them and the two cannot deadlock."""
    items = sorted((key, n) for key, n in delta.items() if n)
    if connection.vendor != "postgresql" or not items:
        _apply(delta)
        return
    table = connection.ops.quote_name(IndicatorRollup._meta.db_table)
    cells = json.dumps([[*key, n] for key, n in items], ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (the model's table; values are parameters)
            "(indicator_id, commune_code, target_group_code, level_code, period, count) "
            "SELECT (e->>0)::bigint, e->>1, e->>2, e->>3, e->>4, (e->>5)::int "
            "FROM json_array_elements(%s::json) WITH ORDINALITY AS cell (e, position) "
            "ORDER BY position "
            "ON CONFLICT (indicator_id, commune_code, target_group_code, level_code, period) "
            f"DO UPDATE SET count = {table}.count + excluded.count",
            [cells],
        )
