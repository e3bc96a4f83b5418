"""Calibration of placement items: MML-EM recovers known Rasch and 2PL parameters from
sparse adaptive-like data, anchors fix the scale, degenerate items are flagged; the
command proposes new parameters and accepting a proposal updates the bank."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from community.models import Participant
from contest.placement.calibration import Calibration, calibrate, p_correct
from contest.placement.calibration_services import response_matrix
from contest.placement.models import CalibrationProposal, PlacementResponse, PlacementSession
from question_banks.models import Framework, QuestionVersion, Tag
from tests.contest_fixtures import person, publish_bank

NOW = timezone.now()


@pytest.fixture(autouse=True, scope="module")
def single_threaded_blas() -> Iterator[None]:
    """The matrices are small: threaded BLAS only adds overhead, and on a busy machine
    oversubscribed threads make the fits several times slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # a dev-only, transitive package
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def simulate(
    rng: np.random.Generator,
    theta: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    per_person: tuple[int, int],
) -> np.ndarray:
    """Responses to a random subset of items per person (between the two counts), NaN
    elsewhere: about as sparse as an adaptive session."""
    answers = (rng.random((theta.size, b.size)) < p_correct(theta, a, b)).astype(float)
    taken = np.zeros(answers.shape, dtype=bool)
    for person_row, count in enumerate(rng.integers(*per_person, endpoint=True, size=theta.size)):
        taken[person_row, rng.choice(b.size, count, replace=False)] = True
    return np.where(taken, answers, np.nan)


def rmse(estimates: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((estimates - truth) ** 2)))


def b_of(fit: Calibration) -> np.ndarray:
    return np.array([item.b for item in fit.items], dtype=float)


# --- the numerical core --------------------------------------------------------------------

RASCH_B = np.random.default_rng(7).normal(0.0, 1.0, 60)


@pytest.fixture(scope="module")
def rasch_fit() -> Calibration:
    rng = np.random.default_rng(2026)
    responses = simulate(rng, rng.normal(0.0, 1.0, 1500), np.ones(60), RASCH_B, (20, 30))
    return calibrate(responses)


def test_rasch_difficulties_are_recovered_from_sparse_data(rasch_fit) -> None:
    estimates = b_of(rasch_fit)
    assert rasch_fit.converged
    assert rmse(estimates, RASCH_B) <= 0.15
    assert np.corrcoef(estimates, RASCH_B)[0, 1] >= 0.98
    assert abs(rasch_fit.ability_mean) < 1e-12  # the Rasch scale is centred on the people
    assert rasch_fit.ability_sd == pytest.approx(1.0, abs=0.1)
    assert all(item.model == "rasch" and item.a == 1.0 for item in rasch_fit.items)


def test_rasch_standard_errors_match_the_actual_errors(rasch_fit) -> None:
    se = np.array([item.se_b for item in rasch_fit.items], dtype=float)
    z = (b_of(rasch_fit) - RASCH_B) / se
    assert se.min() > 0.07 and se.max() < 0.15  # about 1/sqrt(625 · 0.2) at 625 answers
    assert 0.75 < float(np.std(z)) < 1.3


def test_fitting_items_have_mean_squares_near_one(rasch_fit) -> None:
    infit = np.array([item.infit for item in rasch_fit.items], dtype=float)
    outfit = np.array([item.outfit for item in rasch_fit.items], dtype=float)
    assert 0.9 < np.median(infit) < 1.1 and 0.85 < np.median(outfit) < 1.1
    assert np.all((infit > 0.7) & (infit < 1.3))


def test_2pl_slopes_and_difficulties_are_recovered() -> None:
    rng = np.random.default_rng(40)
    a = rng.lognormal(0.0, 0.3, 40)
    b = rng.normal(0.0, 1.0, 40)
    responses = simulate(rng, rng.normal(0.0, 1.0, 3000), a, b, (30, 30))
    fit = calibrate(responses, model="2pl")
    estimated_a = np.array([item.a for item in fit.items], dtype=float)
    assert fit.converged
    assert rmse(estimated_a, a) <= 0.2
    assert rmse(b_of(fit), b) <= 0.2
    assert all(item.model == "2pl" and item.se_a for item in fit.items)


def test_2pl_slopes_stay_within_bounds_for_an_item_that_does_not_discriminate() -> None:
    rng = np.random.default_rng(41)
    b = rng.normal(0.0, 1.0, 20)
    responses = simulate(rng, rng.normal(0.0, 1.0, 1000), np.ones(20), b, (20, 20))
    responses[:, 0] = (rng.random(1000) < 0.5).astype(float)  # a coin toss
    fit = calibrate(responses, model="2pl")
    assert fit.items[0].a is not None and 0.2 <= fit.items[0].a < 0.5


def test_anchors_stay_fixed_and_put_the_other_items_on_their_scale() -> None:
    rng = np.random.default_rng(50)
    # This cohort is half a logit more able than the one the anchors were calibrated on.
    responses = simulate(rng, rng.normal(0.5, 1.0, 1500), np.ones(60), RASCH_B, (20, 30))
    anchors = {i: (1.0, float(RASCH_B[i])) for i in range(10)}
    fit = calibrate(responses, anchors=anchors)
    for i in range(10):
        assert fit.items[i].status == "anchored" and fit.items[i].b == RASCH_B[i]
    free = b_of(fit)[10:]
    assert rmse(free, RASCH_B[10:]) <= 0.15
    assert abs(float(np.mean(free - RASCH_B[10:]))) < 0.06
    assert fit.ability_mean == pytest.approx(0.5, abs=0.08)
    # Without anchors the same data land on the cohort's own scale, half a logit off.
    unanchored = calibrate(responses)
    assert float(np.mean(b_of(unanchored) - RASCH_B)) == pytest.approx(-0.5, abs=0.1)


def test_items_answered_all_right_or_all_wrong_are_not_estimable() -> None:
    rng = np.random.default_rng(60)
    b = np.linspace(-1.5, 1.5, 10)
    responses = simulate(rng, rng.normal(0.0, 1.0, 400), np.ones(10), b, (10, 10))
    extra = np.full((400, 3), np.nan)
    extra[:40, 0] = 1.0  # everyone who saw it got it right
    extra[40:70, 1] = 0.0  # everyone got it wrong
    fit = calibrate(np.hstack([responses, extra]))  # column 12 was never shown
    flagged = fit.items[10:]
    assert [item.status for item in flagged] == ["not_estimable"] * 3
    assert [item.reason for item in flagged] == [
        "all answers right",
        "all answers wrong",
        "no responses",
    ]
    assert all(item.b is None and item.se_b is None for item in flagged)
    assert [item.n for item in flagged] == [40, 30, 0]
    assert all(item.status == "estimated" and item.b is not None for item in fit.items[:10])
    assert np.all(np.isfinite(b_of(fit)[:10]))


def test_a_person_with_no_usable_answer_has_no_ability() -> None:
    responses = np.array([[1.0, 0.0], [0.0, 1.0], [np.nan, np.nan], [1.0, 1.0], [0.0, 0.0]])
    fit = calibrate(responses)
    assert np.isnan(fit.theta[2]) and np.all(np.isfinite(np.delete(fit.theta, 2)))


def test_answers_other_than_right_wrong_or_missing_are_refused() -> None:
    with pytest.raises(ValueError, match="1, 0 or NaN"):
        calibrate(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="anchor 5"):
        calibrate(np.array([[1.0, 0.0]]), anchors={5: (1.0, 0.0)})


# --- through the database ----------------------------------------------------------------

CAL_B = np.linspace(-1.5, 1.5, 8)


def record_sessions(
    versions: list[QuestionVersion],
    theta: np.ndarray,
    b: np.ndarray,
    *,
    rng: np.random.Generator,
    assisted: bool = False,
    pretest: frozenset[int] = frozenset(),
    participant: Participant | None = None,
) -> None:
    """One finished session per ability, answering every version in `versions`."""
    participant = participant or person(f"Người thử {rng.integers(10**6)}", phone="0912000099")
    framework = Framework.objects.get(code="kns-cb-4")
    sessions = PlacementSession.objects.bulk_create(
        PlacementSession(
            participant=participant,
            framework=framework,
            assisted=assisted,
            status=PlacementSession.Status.FINISHED,
            deadline_at=NOW + dt.timedelta(minutes=40),
        )
        for _ in theta
    )
    right = rng.random((theta.size, b.size)) < p_correct(theta, np.ones(b.size), b)
    PlacementResponse.objects.bulk_create(
        PlacementResponse(
            session=session,
            position=j + 1,
            version=version,
            correct=bool(right[i, j]),
            pretest=version.pk in pretest,
        )
        for i, session in enumerate(sessions)
        for j, version in enumerate(versions)
    )


@pytest.fixture
def collected(db: None) -> list[QuestionVersion]:
    """Eight published items (the last in pretest) answered in 400 sessions, and a ninth
    item seen in only 60 sessions."""
    versions = publish_bank(9, prefix="cal")
    pretest_tag, _ = Tag.objects.get_or_create(slug="pretest")
    versions[7].tags.add(pretest_tag)
    rng = np.random.default_rng(70)
    record_sessions(
        versions[:8], rng.normal(0.0, 1.0, 400), CAL_B, rng=rng, pretest=frozenset([versions[7].pk])
    )
    record_sessions(versions[8:], rng.normal(0.0, 1.0, 60), np.array([0.0]), rng=rng)
    return versions


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("placement_calibrate", *args, stdout=out)
    return out.getvalue()


def test_the_command_proposes_parameters_for_items_with_enough_answers(collected) -> None:
    output = run_command()
    assert "EM cycle 1:" in output and "converged" in output
    assert "old b" in output and "infit" in output and "cal-000 v1" in output
    proposals = {p.version_id: p for p in CalibrationProposal.objects.all()}
    assert set(proposals) == {v.pk for v in collected[:8]}  # cal-008 has only 60 answers
    assert all(p.status == "pending" and p.model == "rasch" for p in proposals.values())
    b = np.array([proposals[v.pk].b for v in collected[:8]])
    assert np.corrcoef(b, CAL_B)[0, 1] > 0.97
    assert rmse(b, CAL_B) < 0.3
    assert all(p.sample_size == 400 and p.se_b and p.infit for p in proposals.values())
    unchanged = QuestionVersion.objects.get(pk=collected[0].pk)
    assert unchanged.irt_calibrated_at is None  # nothing changes until someone accepts


def test_accepting_a_proposal_updates_the_version_and_graduates_a_pretest_item(
    collected, carol
) -> None:
    run_command()
    pretest_item = CalibrationProposal.objects.get(version=collected[7])
    other = CalibrationProposal.objects.get(version=collected[0])
    output = run_command("--accept", str(pretest_item.pk), "--by", "carol")
    assert f"accepted #{pretest_item.pk}" in output
    version = QuestionVersion.objects.get(pk=collected[7].pk)
    assert version.status == "published"
    assert (version.irt_model, version.irt_a) == ("rasch", 1.0)
    assert version.irt_b == pretest_item.b and version.irt_sample_size == 400
    assert version.irt_calibrated_at is not None
    assert not version.tags.filter(slug="pretest").exists()
    pretest_item.refresh_from_db()
    assert pretest_item.status == "accepted" and pretest_item.decided_by == carol
    other.refresh_from_db()
    assert other.status == "pending"
    with pytest.raises(CommandError, match="already decided"):
        run_command("--accept", str(pretest_item.pk), "--by", "carol")
    with pytest.raises(CommandError, match="--by"):
        run_command("--reject", str(other.pk))


def test_a_second_run_anchors_on_calibrated_items(collected, carol) -> None:
    run_command()
    accepted = list(CalibrationProposal.objects.filter(version__in=collected[:4]))
    proposal_ids = [str(p.pk) for p in accepted]
    run_command("--accept", *proposal_ids, "--by", "carol")
    CalibrationProposal.objects.filter(status="pending").delete()
    # A more able cohort answers the same items.
    rng = np.random.default_rng(71)
    record_sessions(collected[:8], rng.normal(0.8, 1.0, 300), CAL_B, rng=rng)
    output = run_command("--anchor")
    assert "4 anchors" in output
    assert output.count("anchored") == 4
    fresh = {p.version_id: p.b for p in CalibrationProposal.objects.filter(status="pending")}
    assert set(fresh) == {v.pk for v in collected[4:8]}
    b = np.array([fresh[v.pk] for v in collected[4:8]])
    assert rmse(b, CAL_B[4:]) < 0.3


def test_2pl_is_fitted_only_where_an_item_has_enough_answers(collected) -> None:
    run_command("--model", "2pl", "--min-2pl", "300", "--min-n", "50")
    models = dict(CalibrationProposal.objects.values_list("version_id", "model"))
    assert {models[v.pk] for v in collected[:8]} == {"2pl"}
    assert models[collected[8].pk] == "rasch"  # 60 answers: too few for a slope


def test_assisted_sessions_can_be_left_out(collected) -> None:
    rng = np.random.default_rng(72)
    record_sessions(collected[:8], rng.normal(0.0, 1.0, 30), CAL_B, rng=rng, assisted=True)
    assert len(response_matrix().sessions) == 490
    assert len(response_matrix(exclude_assisted=True).sessions) == 460
    run_command("--exclude-assisted")
    assert CalibrationProposal.objects.get(version=collected[0]).sample_size == 400
