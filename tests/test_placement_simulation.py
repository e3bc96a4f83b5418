"""A small S1 simulation: our engine against catsim on the same bank, simulees and answers."""

from __future__ import annotations

from typing import Any

import pytest

from contest.placement import simulation

pytest.importorskip("catsim")

Comparison = dict[str, dict[str, Any]]

SEED = 5
SIMULEES = 300
# Measured over seeds 5, 6 and 7 (300 simulees each): items ratio 0.68–0.72.
MAX_ITEMS_RATIO = 0.75
# catsim places at the level of its point estimate, so it is compared with our most
# probable level. The target is "at most 0.01 below catsim", but the engine does not meet
# it: the full S1 benchmark (5,000 simulees) measures -0.022, because the misplaced
# simulees sit near a cut and catsim gives them up to 30 items against our 25. With 300
# simulees the gap spreads from -0.043 to +0.023 over seeds 5-7, so this margin only
# guards against a regression; it does not certify the target.
ACCURACY_MARGIN = 0.06


@pytest.fixture(scope="module")
def s1_comparison() -> Comparison:
    scenario = simulation.build_s1(SEED, SIMULEES)
    return simulation.compare(scenario, n_simulees=SIMULEES, workers=2)


def test_our_tests_are_at_most_three_quarters_as_long_as_catsims(s1_comparison: Comparison) -> None:
    ours, theirs = s1_comparison["ours"], s1_comparison["catsim"]
    assert ours["mean_items"] <= MAX_ITEMS_RATIO * theirs["mean_items"]


def test_our_placements_are_about_as_accurate_as_catsims(s1_comparison: Comparison) -> None:
    ours, theirs = s1_comparison["ours"], s1_comparison["catsim"]
    most_probable = ours["most_probable_award"]["exact_accuracy"]
    assert most_probable >= theirs["exact_accuracy"] - ACCURACY_MARGIN
    assert ours["within_one_level"] >= 0.99


def test_every_test_meets_the_blueprint(s1_comparison: Comparison) -> None:
    assert s1_comparison["ours"]["blueprint_violations"] == 0.0


def test_the_conservative_award_never_places_higher_than_the_most_probable(
    s1_comparison: Comparison,
) -> None:
    ours = s1_comparison["ours"]
    assert ours["upward_misplacement"] <= ours["most_probable_award"]["upward_misplacement"]
