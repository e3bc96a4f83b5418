"""The counting rules of the indicators, as plain Python (no Django), so they can be tested
table-driven and shared by the incremental hook and the from-scratch rebuild.

Rules:
- A certificate counts for an indicator when its kind, target-group snapshot, achievement
  code prefix and level (at or above the indicator's minimum) match the rule.
- A certificate is valid on the half-open interval [valid_from, end), where end is the
  earlier of valid_until and revoked_at (a revoked certificate stops counting from its
  revocation; expired ones from their expiry).
- A "subject" counts once per indicator: a person (or, for participation indicators, a
  person in one contest). A subject's certificates are merged into non-overlapping
  *segments*; in each segment the subject is counted at the highest level it holds
  then, in the commune and target group snapshotted on that certificate.
- A period is counted at its end: a segment counts for a period when it covers the last
  instant of the period, i.e. start < boundary <= end, where boundary is local midnight
  of the first day after the period.
- Half-years and years are counted at the end of their last quarter, so they take that
  quarter's value. "ALL" (lũy kế) counts every subject that has ever qualified, once,
  at the highest level it ever reached.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

LEVEL_ORDER: tuple[str, ...] = ("CB1", "CB2", "TC1", "TC2", "NC1", "NC2", "CS1", "CS2")
FIRST_YEAR = 2025
LAST_YEAR = 2030
CUMULATIVE = "ALL"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def level_rank(code: str) -> int:
    """1 for CB1 up to 8 for CS2; 0 for a code that is not a skill level (e.g. "TG")."""
    try:
        return LEVEL_ORDER.index(code) + 1
    except ValueError:
        return 0


def levels_at_or_above(code: str) -> tuple[str, ...]:
    rank = level_rank(code)
    return LEVEL_ORDER[rank - 1 :] if rank else ()


@dataclass(frozen=True, slots=True)
class Rule:
    """What one indicator counts (a snapshot of an IndicatorDefinition row)."""

    indicator_id: int
    kinds: tuple[str, ...]
    target_group: str = ""  # "" = every group
    achievement_prefix: str = ""
    min_level: str = ""  # "" = any level
    per_achievement: bool = False  # count (person, achievement) pairs, not persons

    def matches(self, fact: CertificateFact) -> bool:
        if fact.kind not in self.kinds:
            return False
        if self.target_group and fact.target_group != self.target_group:
            return False
        if self.achievement_prefix and not fact.achievement_code.startswith(
            self.achievement_prefix
        ):
            return False
        if self.min_level and level_rank(fact.level_code) < level_rank(self.min_level):
            return False
        return fact.end is None or fact.end > fact.start

    def subject_key(self, fact: CertificateFact) -> str:
        if self.per_achievement:
            return f"{fact.participant_id}:{fact.achievement_code}"
        return str(fact.participant_id)


def rule_fingerprint(rule: Rule) -> dict[str, Any]:
    """What decides the counts of a rule, as JSON (the indicator's id aside)."""
    return {
        "kinds": sorted(rule.kinds),
        "target_group": rule.target_group,
        "achievement_prefix": rule.achievement_prefix,
        "min_level": rule.min_level,
        "per_achievement": rule.per_achievement,
    }


@dataclass(frozen=True, slots=True)
class CertificateFact:
    participant_id: int
    kind: str
    achievement_code: str
    level_code: str
    commune: str
    target_group: str
    start: dt.datetime
    end: dt.datetime | None  # min(valid_until, revoked_at); None = still open

    @staticmethod
    def end_of(
        valid_until: dt.datetime | None, revoked_at: dt.datetime | None
    ) -> dt.datetime | None:
        ends = [moment for moment in (valid_until, revoked_at) if moment is not None]
        return min(ends) if ends else None


@dataclass(frozen=True, slots=True)
class Segment:
    subject: str
    level_code: str
    commune: str
    target_group: str
    start: dt.datetime
    end: dt.datetime | None


RollupKey = tuple[int, str, str, str, str]  # indicator, commune, group, level, period


# --- Periods -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    code: str  # "2025-Q3", "2025-H2", "2025", "ALL"
    kind: str  # "quarter", "half", "year", "all"
    year: int
    number: int  # quarter 1–4, half 1–2, 0 for year and ALL

    @property
    def last_quarter(self) -> tuple[int, int]:
        if self.kind == "quarter":
            return self.year, self.number
        if self.kind == "half":
            return self.year, self.number * 2
        return self.year, 4

    def start_date(self) -> dt.date:
        first_month = {"quarter": 3 * self.number - 2, "half": 6 * self.number - 5}.get(
            self.kind, 1
        )
        return dt.date(self.year, first_month, 1)

    def end_date(self) -> dt.date:
        year, quarter = self.last_quarter
        return _boundary_date(year, quarter) - dt.timedelta(days=1)

    def boundary(self) -> dt.datetime:
        year, quarter = self.last_quarter
        return quarter_boundary(year, quarter)


def _boundary_date(year: int, quarter: int) -> dt.date:
    return dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)


def quarter_boundary(year: int, quarter: int) -> dt.datetime:
    """Local midnight starting the day after the quarter's last day."""
    day = _boundary_date(year, quarter)
    return dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


@cache
def quarters() -> tuple[tuple[int, int], ...]:
    return tuple((y, q) for y in range(FIRST_YEAR, LAST_YEAR + 1) for q in range(1, 5))


@cache
def quarter_boundaries() -> tuple[dt.datetime, ...]:
    return tuple(quarter_boundary(y, q) for y, q in quarters())


def period_parse(code: str) -> Period:
    """ "2025-Q3", "2025-H1", "2025" or "ALL"; ValueError for anything else."""
    if code == CUMULATIVE:
        return Period(code, "all", LAST_YEAR, 0)
    year_text, _sep, part = code.partition("-")
    year = int(year_text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(code)
    if not part:
        return Period(code, "year", year, 0)
    if part[0] == "Q" and part[1:] in {"1", "2", "3", "4"}:
        return Period(code, "quarter", year, int(part[1:]))
    if part[0] == "H" and part[1:] in {"1", "2"}:
        return Period(code, "half", year, int(part[1:]))
    raise ValueError(code)


def period_containing(day: dt.date, kind: str = "quarter") -> Period:
    year = min(max(day.year, FIRST_YEAR), LAST_YEAR)
    quarter = (day.month - 1) // 3 + 1 if day.year == year else (1 if day.year < year else 4)
    if kind == "half":
        return period_parse(f"{year}-H{(quarter + 1) // 2}")
    if kind == "year":
        return period_parse(str(year))
    return period_parse(f"{year}-Q{quarter}")


def quarters_up_to(period: Period, count: int) -> list[Period]:
    """The `count` quarters ending with the period's last quarter, oldest first."""
    index = quarters().index(period.last_quarter)
    chosen = quarters()[max(0, index - count + 1) : index + 1]
    return [period_parse(f"{y}-Q{q}") for y, q in chosen]


def codes_for_quarter(year: int, quarter: int) -> tuple[str, ...]:
    """Every period code whose value is the count at this quarter's end."""
    codes = [f"{year}-Q{quarter}"]
    if quarter in (2, 4):
        codes.append(f"{year}-H{quarter // 2}")
    if quarter == 4:
        codes.append(str(year))
    return tuple(codes)


def quarter_index_range(start: dt.datetime, end: dt.datetime | None) -> range:
    """Indexes (into quarters()) of the quarter ends a segment [start, end) covers."""
    bounds = quarter_boundaries()
    first = bisect.bisect_right(bounds, start)  # first boundary strictly after start
    last = len(bounds) if end is None else bisect.bisect_right(bounds, end)
    return range(first, max(first, last))


# --- Segments ------------------------------------------------------------------------


def _best(facts: Sequence[CertificateFact]) -> CertificateFact:
    return min(facts, key=lambda f: (-level_rank(f.level_code), f.start, f.level_code, f.commune))


def subject_segments(subject: str, facts: Sequence[CertificateFact]) -> list[Segment]:
    """Merge one subject's qualifying certificates into non-overlapping segments."""
    if not facts:
        return []
    points = sorted({f.start for f in facts} | {f.end for f in facts if f.end is not None})
    open_ended = any(f.end is None for f in facts)
    spans: list[tuple[dt.datetime, dt.datetime | None]] = list(itertools.pairwise(points))
    if open_ended:
        spans.append((points[-1], None))
    segments: list[Segment] = []
    for a, b in spans:
        active = [
            f for f in facts if f.start <= a and (f.end is None or (b is not None and f.end >= b))
        ]
        if not active:
            continue
        best = _best(active)
        prev = segments[-1] if segments else None
        if (
            prev is not None
            and prev.end == a
            and (prev.level_code, prev.commune, prev.target_group)
            == (best.level_code, best.commune, best.target_group)
        ):
            segments[-1] = Segment(
                subject, prev.level_code, prev.commune, prev.target_group, prev.start, b
            )
        else:
            segments.append(
                Segment(subject, best.level_code, best.commune, best.target_group, a, b)
            )
    return segments


def rule_segments(rule: Rule, facts: Iterable[CertificateFact]) -> list[Segment]:
    """All segments of one rule from the certificates of one participant."""
    by_subject: dict[str, list[CertificateFact]] = {}
    for fact in facts:
        if rule.matches(fact):
            by_subject.setdefault(rule.subject_key(fact), []).append(fact)
    segments: list[Segment] = []
    for subject in sorted(by_subject):
        segments.extend(subject_segments(subject, by_subject[subject]))
    return segments


def cumulative_segment(segments: Sequence[Segment]) -> Segment:
    """The segment that places a subject in the ALL period: its highest level, earliest."""
    return min(segments, key=lambda s: (-level_rank(s.level_code), s.start, s.level_code))


# --- Contributions -------------------------------------------------------------------


def contributions(indicator_id: int, segments: Sequence[Segment]) -> Counter[RollupKey]:
    """The roll-up cells one participant's segments add 1 to (each subject once a cell)."""
    cells: Counter[RollupKey] = Counter()
    all_quarters = quarters()
    by_subject: dict[str, list[Segment]] = {}
    for segment in segments:
        by_subject.setdefault(segment.subject, []).append(segment)
        head = (indicator_id, segment.commune, segment.target_group, segment.level_code)
        for index in quarter_index_range(segment.start, segment.end):
            for code in codes_for_quarter(*all_quarters[index]):
                cells[(*head, code)] += 1
    for subject_segments_ in by_subject.values():
        best = cumulative_segment(subject_segments_)
        cells[(indicator_id, best.commune, best.target_group, best.level_code, CUMULATIVE)] += 1
    return cells


class RollupAccumulator:
    """Counts for many participants at once, for the rebuild: each segment costs two
    additions to a difference array over the quarters, whatever its length."""

    def __init__(self) -> None:
        self._diff: dict[tuple[int, str, str, str], list[int]] = {}
        self._all: Counter[RollupKey] = Counter()

    def add(self, indicator_id: int, segments: Sequence[Segment]) -> None:
        by_subject: dict[str, list[Segment]] = {}
        size = len(quarters())
        for segment in segments:
            by_subject.setdefault(segment.subject, []).append(segment)
            span = quarter_index_range(segment.start, segment.end)
            if not span:
                continue
            head = (indicator_id, segment.commune, segment.target_group, segment.level_code)
            diff = self._diff.get(head)
            if diff is None:
                diff = self._diff[head] = [0] * (size + 1)
            diff[span.start] += 1
            diff[span.stop] -= 1
        for subject_segments_ in by_subject.values():
            best = cumulative_segment(subject_segments_)
            self._all[
                (indicator_id, best.commune, best.target_group, best.level_code, CUMULATIVE)
            ] += 1

    def cells(self) -> Counter[RollupKey]:
        cells: Counter[RollupKey] = Counter(self._all)
        all_quarters = quarters()
        for head, diff in self._diff.items():
            running = 0
            for index, (year, quarter) in enumerate(all_quarters):
                running += diff[index]
                if running:
                    for code in codes_for_quarter(year, quarter):
                        cells[(*head, code)] = running
        return cells
