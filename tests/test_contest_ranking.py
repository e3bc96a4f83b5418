"""Vietnamese ranking rules: score, prediction, time taken, submission time."""

from __future__ import annotations

import datetime as dt

import pytest

from contest import ranking
from contest.ranking import Entry

T0 = dt.datetime(2026, 10, 10, 8, 0, tzinfo=dt.UTC)


def entry(
    pid: int, score: float, prediction: int | None, duration: float, minute: int, **kw: object
) -> Entry:
    return Entry(
        attempt_id=pid * 10,
        participant_id=pid,
        score=score,
        prediction=prediction,
        duration_seconds=duration,
        submitted_at=T0 + dt.timedelta(minutes=minute),
        **kw,  # type: ignore[arg-type]
    )


def test_the_full_tie_break_chain_on_a_hand_made_case() -> None:
    truth = 120  # e.g. 120 people answered everything correctly
    entries = [
        entry(1, 18, 119, 600, 5),  # same score as 2-5, prediction off by 1
        entry(2, 18, 121, 500, 9),  # also off by 1, but faster than 1
        entry(3, 18, 121, 500, 3),  # off by 1, as fast as 2, submitted earlier
        entry(4, 18, 150, 100, 1),  # much worse prediction: speed does not save it
        entry(5, 20, None, 900, 30),  # top score wins whatever else
        entry(6, 18, 121, 500, 3),  # ties 3 on every key: shares its rank
        entry(7, 10, 120, 10, 0),  # perfect prediction cannot beat a higher score
    ]
    ranked = ranking.rank(entries, ranking.DEFAULT_RULES, truth)
    assert [(r.rank, r.entry.participant_id) for r in ranked] == [
        (1, 5),
        (2, 3),
        (2, 6),
        (4, 2),
        (5, 1),
        (6, 4),
        (7, 7),
    ]
    assert ranked[1].prediction_error == 1


def test_a_missing_prediction_ranks_after_every_prediction() -> None:
    ranked = ranking.rank(
        [entry(1, 5, None, 10, 0), entry(2, 5, 1000, 999, 9)], ranking.DEFAULT_RULES, 3
    )
    assert [r.entry.participant_id for r in ranked] == [2, 1]


def test_rules_are_data_in_any_order() -> None:
    entries = [entry(1, 10, 5, 300, 1), entry(2, 9, 5, 100, 2)]
    by_time = ranking.rank(entries, ["duration", "score"], 5)
    assert [r.entry.participant_id for r in by_time] == [2, 1]
    with pytest.raises(ValueError, match="unknown ranking rule"):
        ranking.rank(entries, ["luck"], 5)


def test_a_participant_is_ranked_by_their_best_attempt() -> None:
    entries = [entry(1, 4, None, 60, 1), entry(1, 9, None, 80, 5), entry(2, 7, None, 10, 2)]
    ranked = ranking.rank(entries, ranking.DEFAULT_RULES, None)
    assert [(r.entry.participant_id, r.entry.score) for r in ranked] == [(1, 9), (2, 7)]


def test_collective_results_rank_by_participation_rate_then_average() -> None:
    entries = [
        entry(1, 10, None, 1, 1),
        entry(2, 6, None, 1, 1),
        entry(3, 8, None, 1, 1),
        entry(4, 2, None, 1, 1),
        entry(5, 9, None, 1, 1),
    ]
    ranked = ranking.rank(entries, ranking.DEFAULT_RULES, None)
    group_of = {1: "A", 2: "A", 3: "B", 4: "B", 5: "C"}
    results = ranking.collective(ranked, group_of, {"A": 100, "B": 20, "C": None or 0})
    assert [(g.group, g.rank) for g in results] == [("B", 1), ("A", 2), ("C", 3)]
    b = results[0]
    assert (b.participants, b.participation_rate, b.average_score) == (2, 0.1, 5.0)
    assert results[2].participation_rate is None
