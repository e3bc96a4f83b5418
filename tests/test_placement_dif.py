"""DIF of placement items (Mantel–Haenszel, ETS A/B/C): an item made harder for one
group is flagged C while fair items stay A, even when the groups differ in ability."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import numpy as np
import pytest
from django.core.management import call_command

from contest.placement.calibration import calibrate, eap_abilities
from contest.placement.calibration_services import response_matrix, session_groups
from contest.placement.dif import (
    FOCAL,
    OUTSIDE,
    REFERENCE,
    ability_strata,
    ets_category,
    mantel_haenszel,
    mantel_haenszel_purified,
)
from tests.contest_fixtures import person, publish_bank
from tests.test_placement_calibration import record_sessions


@pytest.fixture(autouse=True, scope="module")
def single_threaded_blas() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def test_one_stratum_matches_the_hand_computed_statistics() -> None:
    # Reference 30 right / 20 wrong; focal 20 right / 30 wrong.
    responses = np.array([[1.0]] * 30 + [[0.0]] * 20 + [[1.0]] * 20 + [[0.0]] * 30)
    group = np.array([REFERENCE] * 50 + [FOCAL] * 50)
    (item,) = mantel_haenszel(responses, group, np.zeros(100, dtype=int), min_per_group=50)
    assert item.alpha == pytest.approx(2.25)  # (30·30/100) / (20·20/100)
    assert item.delta == pytest.approx(-2.35 * math.log(2.25))
    # (|30 − 25| − ½)² / (50·50·50·50 / (100²·99))
    assert item.chi_square == pytest.approx(20.25 / (6_250_000 / 990_000))
    assert item.p_value == pytest.approx(0.0732, abs=1e-4)
    assert item.category == "A"  # |Δ| = 1.9, but not significant with 100 people
    assert (item.n_reference, item.n_focal) == (50, 50)


@pytest.mark.parametrize(
    ("delta", "se", "chi_square", "category"),
    [
        (-0.5, 0.1, 50.0, "A"),  # small
        (-2.0, 0.1, 2.0, "A"),  # large but not significant
        (-1.2, 0.1, 30.0, "B"),  # moderate
        (1.6, 0.5, 12.0, "B"),  # large but not significantly above 1
        (-1.6, 0.2, 40.0, "C"),
        (1.8, 0.3, 40.0, "C"),  # favours the focal group: still C
    ],
)
def test_ets_categories(delta, se, chi_square, category) -> None:
    assert ets_category(delta, se, chi_square) == category


def test_strata_are_ability_quantiles() -> None:
    theta = np.array([-2.0, -1.0, 0.0, 1.0, np.nan, 2.0])
    strata = ability_strata(theta, 5)
    assert strata.tolist() == [0, 1, 2, 3, -1, 4]


def simulated_dif(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """4,000 people, 30 Rasch items, 20 each at random; the focal group is half a logit
    less able, and item 0 is one logit harder for it (true Δ = −2.35)."""
    rng = np.random.default_rng(seed)
    group = np.repeat([REFERENCE, FOCAL], 2000)
    theta = np.where(group == FOCAL, rng.normal(-0.5, 1.0, 4000), rng.normal(0.0, 1.0, 4000))
    b = rng.normal(0.0, 1.0, 30)
    b_by_person = np.tile(b, (4000, 1))
    b_by_person[group == FOCAL, 0] += 1.0
    right = rng.random((4000, 30)) < 1.0 / (1.0 + np.exp(-(theta[:, None] - b_by_person)))
    taken = np.zeros((4000, 30), dtype=bool)
    for row in range(4000):
        taken[row, rng.choice(30, 20, replace=False)] = True
    return np.where(taken, right.astype(float), np.nan), group, theta


def test_an_item_harder_for_the_focal_group_is_flagged_c_and_the_others_are_not() -> None:
    responses, group, _ = simulated_dif(80)
    theta = calibrate(responses).theta  # matched on EAP ability, as the command does
    results = mantel_haenszel(responses, group, ability_strata(theta, 10))
    flagged = results[0]
    assert flagged.category == "C" and flagged.favours == "reference"
    assert flagged.delta is not None and flagged.delta < -1.5
    others = [r.category for r in results[1:]]
    assert "C" not in others
    assert others.count("A") >= 0.85 * len(others)


def test_purification_removes_the_pull_of_a_biased_item_on_a_short_test() -> None:
    rng = np.random.default_rng(0)
    group = np.repeat([REFERENCE, FOCAL], 600)
    theta = np.where(group == FOCAL, rng.normal(-0.5, 1.0, 1200), rng.normal(0.0, 1.0, 1200))
    b = np.linspace(-1.5, 1.5, 8)
    b_by_person = np.tile(b, (1200, 1))
    b_by_person[group == FOCAL, 0] += 1.0
    right = rng.random((1200, 8)) < 1.0 / (1.0 + np.exp(-(theta[:, None] - b_by_person)))
    responses = right.astype(float)

    def ability_from(columns: np.ndarray) -> np.ndarray:
        return eap_abilities(np.where(columns, responses, np.nan), np.ones(8), b)[0]

    plain = mantel_haenszel(responses, group, ability_strata(ability_from(np.ones(8, bool))))
    purified = mantel_haenszel_purified(responses, group, ability_from)
    assert [r.category for r in purified] == ["C"] + ["A"] * 7
    # Item 0 lowers the focal group's matching ability, so fair items seem to favour it.
    assert np.mean([r.delta for r in plain[1:]]) > 0.2
    assert abs(np.mean([r.delta for r in purified[1:]])) < 0.15


def test_items_with_too_few_answers_per_group_are_not_analysed() -> None:
    responses, group, theta = simulated_dif(81)
    group[2000 + 60 :] = OUTSIDE  # only 60 people left in the focal group
    results = mantel_haenszel(responses, group, ability_strata(theta), min_per_group=50)
    assert all(r.category is None and r.reason == "not enough data" for r in results)
    assert all(r.n_focal < 50 for r in results)


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def answered(db: None) -> list:
    """Six items; Vietnamese-speaking Kinh people in their thirties, and H'Mông-speaking
    people in their sixties for whom item 0 is much harder."""
    versions = publish_bank(6, prefix="dif")
    b = np.array([v.irt_b for v in versions])
    rng = np.random.default_rng(90)
    reference = person("Nguyễn Văn An", birth_year=1990, ethnicity="Kinh")
    focal = person("Giàng Thị Mỷ", birth_year=1960, ethnicity="Mông", preferred_language="hmn")
    record_sessions(versions, rng.normal(0.0, 1.0, 600), b, rng=rng, participant=reference)
    shifted = b.copy()
    shifted[0] += 1.5
    record_sessions(versions, rng.normal(0.0, 1.0, 600), shifted, rng=rng, participant=focal)
    return versions


def test_sessions_are_grouped_by_the_participants_language_age_and_ethnicity(answered) -> None:
    matrix = response_matrix()
    for grouping in ("language", "age", "ethnicity"):
        codes = session_groups(matrix, grouping)
        assert sorted(set(codes.tolist())) == [REFERENCE, FOCAL]
        assert (codes == FOCAL).sum() == 600
    assert set(session_groups(matrix, "assisted").tolist()) == {REFERENCE}


def test_the_command_reports_dif_per_group_and_says_when_data_are_short(answered) -> None:
    out = io.StringIO()
    call_command("placement_dif", stdout=out)
    report = out.getvalue()
    language = report.split("DIF language")[1].split("DIF age")[0]
    item_0 = next(line for line in language.splitlines() if line.startswith("dif-000"))
    assert item_0.endswith("C (favours reference)")
    assert "1 items in category C" in language
    assisted = report.split("DIF assisted")[1]
    assert assisted.count("not enough data") == 6  # nobody was assisted
