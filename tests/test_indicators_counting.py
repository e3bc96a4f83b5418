"""Counting rules of the indicators, without a database: a person counts once, level
thresholds, validity and revocation dates, period boundaries, and the rebuild's
difference arrays agreeing with the incremental contributions."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import counting
from indicators.counting import LOCAL_TZ, CertificateFact, Rule

BASIC = Rule(indicator_id=1, kinds=("placement",), target_group="resident", min_level="CB1")
CONFIRMED = Rule(indicator_id=2, kinds=("placement",), target_group="resident", min_level="CB2")
PARTICIPATIONS = Rule(indicator_id=3, kinds=("participation",), per_achievement=True)


def at(day: str, hour: int = 12) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    return dt.datetime(d.year, d.month, d.day, hour, tzinfo=LOCAL_TZ)


def cert(
    start: str,
    end: str | None = None,
    *,
    who: int = 1,
    level: str = "CB2",
    commune: str = "02647",
    kind: str = "placement",
    code: str = "KNS-CB-4-CB2",
    group: str = "resident",
) -> CertificateFact:
    return CertificateFact(
        who, kind, code, level, commune, group, at(start), at(end) if end else None
    )


def count(rule: Rule, facts: list[CertificateFact], period: str) -> int:
    cells = counting.contributions(rule.indicator_id, counting.rule_segments(rule, facts))
    return sum(n for key, n in cells.items() if key[4] == period)


def test_a_person_with_three_certificates_counts_once() -> None:
    facts = [cert("2025-08-01"), cert("2025-08-05", level="TC1"), cert("2025-09-01", level="CB1")]
    assert count(BASIC, facts, "2025-Q3") == 1
    assert count(BASIC, facts, "ALL") == 1


def test_a_person_counts_at_their_highest_level_at_the_period_end() -> None:
    facts = [cert("2025-08-01", level="CB1"), cert("2025-11-01", level="TC1")]
    cells = counting.contributions(1, counting.rule_segments(BASIC, facts))
    assert cells[(1, "02647", "resident", "CB1", "2025-Q3")] == 1
    assert cells[(1, "02647", "resident", "TC1", "2025-Q4")] == 1
    assert cells[(1, "02647", "resident", "CB1", "2025-Q4")] == 0


@pytest.mark.parametrize(
    ("level", "basic", "confirmed"),
    [("CB1", 1, 0), ("CB2", 1, 1), ("TC2", 1, 1), ("TG", 0, 0), ("", 0, 0)],
)
def test_level_thresholds(level: str, basic: int, confirmed: int) -> None:
    facts = [cert("2025-08-01", level=level)]
    assert count(BASIC, facts, "2025-Q3") == basic
    assert count(CONFIRMED, facts, "2025-Q3") == confirmed


def test_other_groups_and_kinds_do_not_count() -> None:
    assert count(BASIC, [cert("2025-08-01", group="student")], "2025-Q3") == 0
    assert count(BASIC, [cert("2025-08-01", kind="prize")], "2025-Q3") == 0


def test_a_revoked_certificate_stops_counting_from_its_revocation() -> None:
    facts = [cert("2025-08-01", "2025-11-15")]  # revoked mid Q4
    assert count(BASIC, facts, "2025-Q3") == 1
    assert count(BASIC, facts, "2025-Q4") == 0
    assert count(BASIC, facts, "2025") == 0
    assert count(BASIC, facts, "ALL") == 1  # it did count while it was valid


def test_revoking_one_of_two_certificates_keeps_the_person_counted() -> None:
    facts = [cert("2025-08-01", "2025-11-15"), cert("2025-09-01")]
    assert count(BASIC, facts, "2025-Q4") == 1


def test_a_certificate_revoked_when_issued_never_counts() -> None:
    facts = [cert("2025-08-01", "2025-08-01")]
    assert count(BASIC, facts, "2025-Q3") == 0
    assert count(BASIC, facts, "ALL") == 0


def test_period_boundaries_are_local_midnight() -> None:
    end_of_q3 = dt.datetime(2025, 10, 1, tzinfo=LOCAL_TZ)
    just_before = end_of_q3 - dt.timedelta(microseconds=1)
    issued_late = CertificateFact(
        1, "placement", "X", "CB1", "02647", "resident", just_before, None
    )
    issued_next = CertificateFact(1, "placement", "X", "CB1", "02647", "resident", end_of_q3, None)
    assert count(BASIC, [issued_late], "2025-Q3") == 1
    assert count(BASIC, [issued_next], "2025-Q3") == 0
    # Revoked at the very first instant of Q4: it was valid at the end of Q3.
    revoked = CertificateFact(
        1, "placement", "X", "CB1", "02647", "resident", at("2025-08-01"), end_of_q3
    )
    assert count(BASIC, [revoked], "2025-Q3") == 1
    assert count(BASIC, [revoked], "2025-Q4") == 0
    # 2025-10-01 00:00 in Hà Nội is still 30 September in UTC.
    assert end_of_q3.astimezone(dt.UTC).day == 30


def test_half_years_and_years_take_their_last_quarter() -> None:
    facts = [cert("2025-05-01", "2025-08-01"), cert("2026-02-01", who=2)]
    assert count(BASIC, facts, "2025-H1") == count(BASIC, facts, "2025-Q2") == 1
    assert count(BASIC, facts, "2025-H2") == 0
    assert count(BASIC, facts, "2026") == 1


def test_expiry_ends_validity() -> None:
    facts = [cert("2025-08-01", "2026-08-01")]
    assert count(BASIC, facts, "2026-Q2") == 1
    assert count(BASIC, facts, "2026-Q3") == 0


def test_participations_count_each_contest_once_per_person() -> None:
    facts = [
        cert("2025-08-01", kind="participation", code="THI-1-TG", level="TG"),
        cert("2025-08-02", kind="participation", code="THI-1-TG", level="TG"),
        cert("2025-08-03", kind="participation", code="THI-2-TG", level="TG"),
    ]
    assert count(PARTICIPATIONS, facts, "2025-Q3") == 2


def test_period_codes_parse_and_reject() -> None:
    assert counting.period_parse("2025-Q3").end_date() == dt.date(2025, 9, 30)
    assert counting.period_parse("2026-H1").end_date() == dt.date(2026, 6, 30)
    assert counting.period_parse("2027").end_date() == dt.date(2027, 12, 31)
    for bad in ("2025-Q5", "2019", "abc", "2025-H3"):
        with pytest.raises(ValueError):
            counting.period_parse(bad)


days = st.integers(min_value=0, max_value=2200)
fact_strategy = st.builds(
    lambda who, start, length, level, commune: CertificateFact(
        who,
        "placement",
        "X",
        level,
        commune,
        "resident",
        at("2024-12-01") + dt.timedelta(days=start),
        None if length is None else at("2024-12-01") + dt.timedelta(days=start + length),
    ),
    st.integers(1, 4),
    days,
    st.one_of(st.none(), st.integers(0, 800)),
    st.sampled_from(["CB1", "CB2", "TC1", "TG"]),
    st.sampled_from(["02647", "04252"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(fact_strategy, max_size=12))
def test_rebuild_accumulator_agrees_with_incremental_contributions(facts) -> None:
    incremental: Counter = Counter()
    acc = counting.RollupAccumulator()
    for who in {f.participant_id for f in facts}:
        mine = [f for f in facts if f.participant_id == who]
        segments = counting.rule_segments(BASIC, mine)
        incremental.update(counting.contributions(1, segments))
        acc.add(1, segments)
        # Segments of one subject never overlap, so nobody counts twice in a period.
        for a, b in itertools.pairwise(segments):
            assert a.end is not None and a.end <= b.start
    assert +incremental == +acc.cells()
    for year, quarter in counting.quarters():
        boundary = counting.quarter_boundary(year, quarter)
        people = {
            f.participant_id
            for f in facts
            if BASIC.matches(f) and f.start < boundary and (f.end is None or f.end >= boundary)
        }
        code = f"{year}-Q{quarter}"
        assert sum(n for k, n in incremental.items() if k[4] == code) == len(people)
