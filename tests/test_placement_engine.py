"""The adaptive placement engine, without Django: information, posterior, selection, awards."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from contest.placement import engine
from contest.placement.engine import Blueprint, EngineConfig, ItemBank, Prior

CUTS = (-1.0, 0.0, 1.0)


def make_bank(
    seed: int = 0,
    n: int = 600,
    n_areas: int = 6,
    pretest: int = 12,
    enemy_pairs: int = 0,
    rasch: bool = False,
) -> ItemBank:
    rng = np.random.default_rng(seed)
    total = n + pretest
    enemy = np.full(total, -1)
    if enemy_pairs:
        paired = rng.choice(n, size=2 * enemy_pairs, replace=False)
        enemy[paired] = np.arange(2 * enemy_pairs) // 2
    return ItemBank.from_lists(
        ids=list(range(100, 100 + total)),
        a=None if rasch else np.clip(rng.lognormal(0.0, 0.3, total), 0.5, 2.0).tolist(),
        b=rng.normal(-0.3, 1.2, total).tolist(),
        area=[i % n_areas for i in range(total)],
        is_pretest=[i >= n for i in range(total)],
        enemy_group=enemy.tolist(),
    )


def run_session(
    bank: ItemBank,
    config: EngineConfig,
    theta: float,
    seed: int,
    blueprint: Blueprint | None = None,
) -> engine.SessionState:
    rng = np.random.default_rng(seed)
    answers = np.random.default_rng(seed + 10_000)
    state = engine.start(bank, config, blueprint or Blueprint.equal(bank.n_areas), rng=rng)
    while not engine.should_stop(state):
        item = engine.select_next(state, rng)
        p = float(engine.p_correct(theta, bank.a[item], bank.b[item]))
        state = engine.record(state, item, bool(answers.random() < p))
    return state


def state_after(
    bank: ItemBank, config: EngineConfig, answers: list[tuple[int, bool]]
) -> engine.SessionState:
    state = engine.start(bank, config, Blueprint.equal(bank.n_areas), rng=np.random.default_rng(0))
    for item, correct in answers:
        state = engine.record(state, item, correct)
    return state


# --- information -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theta", "a", "b", "expected"),
    [
        (0.0, 1.0, 0.0, 0.25),
        (0.0, 2.0, 0.0, 1.0),
        (1.0, 1.0, 0.0, math.e / (1.0 + math.e) ** 2),
        (-1.0, 1.0, 0.0, math.e / (1.0 + math.e) ** 2),
        (0.5, 1.5, 1.0, 1.5**2 * math.exp(-0.75) / (1.0 + math.exp(-0.75)) ** 2),
    ],
)
def test_item_information_is_a_squared_pq(
    theta: float, a: float, b: float, expected: float
) -> None:
    assert float(engine.item_information(theta, a, b)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("theta", [-2.0, 0.0, 0.7])
def test_test_information_sums_items_and_gives_the_standard_error(theta: float) -> None:
    a = [0.8, 1.2, 2.0]
    b = [-1.0, 0.0, 1.5]
    total = sum(float(engine.item_information(theta, ai, bi)) for ai, bi in zip(a, b, strict=True))
    assert engine.test_information(theta, a, b) == pytest.approx(total, abs=1e-12)
    assert engine.standard_error(theta, a, b) == pytest.approx(1 / math.sqrt(total), abs=1e-12)
    assert engine.standard_error(theta, [], []) == math.inf


# --- posterior ---------------------------------------------------------------------------


@pytest.mark.parametrize("prior", [Prior(0.0, 1.0), Prior(-0.5, 0.8)])
def test_posterior_without_answers_is_the_prior(prior: Prior) -> None:
    config = EngineConfig(priors={"default": prior})
    post = engine.posterior_from_log_weights(
        engine.prior_log_weights(config.grid, prior), config.grid
    )
    assert post.mean == pytest.approx(prior.mean, abs=1e-3)
    assert post.sd == pytest.approx(prior.sd, abs=1e-2)


def test_prior_level_probabilities_match_the_normal_distribution() -> None:
    config = EngineConfig()
    post = engine.posterior_from_log_weights(
        engine.prior_log_weights(config.grid, Prior()), config.grid
    )
    levels = engine.level_probabilities(post.weights, config.grid, CUTS)
    assert levels.sum() == pytest.approx(1.0)
    assert levels == pytest.approx([0.1587, 0.3413, 0.3413, 0.1587], abs=0.005)


@pytest.mark.parametrize(
    "answers",
    [[(0, True)], [(0, False)], [(0, True), (1, False), (2, True)], [(3, False), (4, False)]],
)
def test_eap_matches_a_fine_quadrature(answers: list[tuple[int, bool]]) -> None:
    bank = make_bank()
    state = state_after(bank, EngineConfig(), answers)
    fine = np.linspace(-6, 6, 20001)
    like = np.exp(-0.5 * fine**2)
    for item, correct in answers:
        p = engine.p_correct(fine, bank.a[item], bank.b[item])
        like *= p if correct else 1 - p
    like /= like.sum()
    mean = float(like @ fine)
    sd = math.sqrt(float(like @ (fine - mean) ** 2))
    post = engine.posterior(state)
    assert post.mean == pytest.approx(mean, abs=2e-3)
    assert post.sd == pytest.approx(sd, abs=5e-3)  # the grid stops at ±4


def test_a_correct_answer_raises_the_eap_and_a_wrong_one_lowers_it() -> None:
    bank = make_bank()
    config = EngineConfig()
    before = engine.posterior(state_after(bank, config, [])).mean
    assert engine.posterior(state_after(bank, config, [(0, True)])).mean > before
    assert engine.posterior(state_after(bank, config, [(0, False)])).mean < before


# --- selection ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_warm_up_gives_two_easy_items_from_different_areas(seed: int) -> None:
    bank = make_bank(seed=seed % 3)
    config = EngineConfig()
    rng = np.random.default_rng(seed)
    state = engine.start(bank, config, Blueprint.equal(6), rng=rng)
    first = engine.select_next(state, rng)
    state = engine.record(state, first, seed % 2 == 0)
    second = engine.select_next(state, rng)
    for item in (first, second):
        assert not bank.is_pretest[item]
        assert float(engine.p_correct(0.0, bank.a[item], bank.b[item])) == pytest.approx(
            0.8, abs=0.03
        )
    assert bank.area[first] != bank.area[second]


def test_warm_up_varies_between_sessions() -> None:
    bank = make_bank()
    config = EngineConfig()
    firsts = {
        engine.select_next(
            engine.start(bank, config, Blueprint.equal(6), rng=np.random.default_rng(s)),
            np.random.default_rng(s),
        )
        for s in range(60)
    }
    assert len(firsts) >= 6


@pytest.mark.parametrize("seed", range(3))
def test_warm_up_takes_the_most_informative_of_the_easy_items(seed: int) -> None:
    bank = make_bank(seed=seed)
    config = EngineConfig(warmup_candidates=1)
    state = engine.start(bank, config, Blueprint.equal(6), rng=np.random.default_rng(0))
    first = engine.select_next(state, np.random.default_rng(0))
    scored = np.flatnonzero(~bank.is_pretest)
    p = engine.p_correct(0.0, bank.a[scored], bank.b[scored])
    easy = scored[np.abs(p - 0.8) <= config.warmup_tolerance]
    info = engine.item_information(0.0, bank.a[easy], bank.b[easy])
    assert first == easy[int(np.argmax(info))]
    # ... which carries clearly more information than an easy item picked at random.
    assert float(engine.item_information(0.0, bank.a[first], bank.b[first])) > 1.3 * info.mean()


def test_next_item_is_among_the_most_informative_at_the_eap() -> None:
    bank = make_bank(seed=4)
    config = EngineConfig(randomesque_k=1, pretest_items=(0, 0))
    state = state_after(bank, config, [(0, True), (1, True), (2, False)])
    item = engine.select_next(state, np.random.default_rng(0))
    theta = engine.posterior(state).mean
    same_area = np.flatnonzero((bank.area == bank.area[item]) & ~bank.is_pretest)
    same_area = same_area[~np.isin(same_area, [0, 1, 2])]
    info = engine.item_information(theta, bank.a[same_area], bank.b[same_area])
    assert engine.item_information(theta, bank.a[item], bank.b[item]) == pytest.approx(info.max())


@pytest.mark.parametrize(
    ("shares", "theta"),
    [
        ((1 / 6,) * 6, -1.5),
        ((1 / 6,) * 6, 0.2),
        ((1 / 6,) * 6, 1.8),
        ((0.3, 0.2, 0.2, 0.1, 0.1, 0.1), 0.0),
        ((0.4, 0.3, 0.2, 0.1, 0.0, 0.0), 0.5),
    ],
)
def test_content_balancing_keeps_every_area_within_one_item_of_its_share(
    shares: tuple[float, ...], theta: float
) -> None:
    bank = make_bank(seed=1, enemy_pairs=60)
    config = EngineConfig()
    blueprint = Blueprint(shares)
    for seed in range(8):
        state = run_session(bank, config, theta, seed, blueprint)
        counts = np.bincount(bank.area[list(state.items)], minlength=6)
        length = len(state.items)
        assert np.all(np.abs(counts - np.asarray(shares) * length) <= 1.0 + 1e-9)
        assert np.all(counts[np.asarray(shares) > 0] >= 1)


def test_enemy_items_never_appear_together() -> None:
    bank = make_bank(seed=2, n=240, enemy_pairs=100)
    config = EngineConfig(max_items=25)
    for seed in range(30):
        state = run_session(bank, config, theta=(seed % 5) - 2.0, seed=seed)
        groups = bank.enemy_group[list(state.items + state.pretest_items)]
        groups = groups[groups >= 0]
        assert len(set(groups.tolist())) == len(groups)
        assert len(set(state.items)) == len(state.items)


@pytest.mark.parametrize(
    ("favourite_rate", "runner_up_rate"),
    [
        (0.0, 0.0),  # no use yet: plain maximum information
        (0.05, 0.0),  # a little use
        (0.30, 0.0),  # much use
        (0.55, 0.0),  # at the ceiling: priority all but 0
        (0.80, 0.0),  # past the ceiling: the same, never negative
        (0.50, 0.50),  # both nearly spent
    ],
)
def test_the_maximum_priority_index_weights_information_by_the_room_left(
    favourite_rate: float, runner_up_rate: float
) -> None:
    bank = make_bank(seed=3, n_areas=1)  # one area: every unused item is a candidate
    config = EngineConfig(randomesque_k=1, pretest_items=(0, 0))
    state = state_after(bank, config, [(0, True), (1, True)])
    info = engine.item_information(engine.posterior(state).mean, bank.a, bank.b)
    info[~_eligible_now(bank, state)] = -1.0
    favourite, runner_up = np.argsort(-info)[:2]
    rates = np.zeros(bank.size)
    rates[favourite], rates[runner_up] = favourite_rate, runner_up_rate
    chosen = engine.select_next(state, np.random.default_rng(0), exposure_rates=rates)
    priority = info * np.clip(1.0 - rates / config.exposure_ceiling, 0.001, 1.0)
    assert chosen == int(np.argmax(priority))
    if favourite_rate == 0.0:
        assert chosen == favourite
    if favourite_rate >= config.exposure_ceiling:
        assert chosen != favourite


def test_when_every_item_is_past_the_ceiling_information_decides() -> None:
    bank = make_bank(seed=3, n_areas=1)
    config = EngineConfig(randomesque_k=1, pretest_items=(0, 0))
    state = state_after(bank, config, [(0, True), (1, True)])
    favourite = engine.select_next(state, np.random.default_rng(0))
    spent = np.full(bank.size, 0.9)  # a small bank: every item in most tests
    assert engine.select_next(state, np.random.default_rng(0), exposure_rates=spent) == favourite


def _eligible_now(bank: ItemBank, state: engine.SessionState) -> np.ndarray:
    mask = ~bank.is_pretest
    mask[list(state.items)] = False
    return mask


def test_exposure_rates_spread_use_over_many_sessions() -> None:
    bank = make_bank(seed=13, n=900)
    config = EngineConfig(max_items=15, pretest_items=(0, 0))
    counts = np.zeros(bank.size)
    sessions = 300
    for s in range(sessions):
        rng = np.random.default_rng(s)
        answers = np.random.default_rng(s + 10_000)
        rates = counts / s if s >= 30 else None
        state = engine.start(bank, config, Blueprint.equal(6), rng=rng)
        while not engine.should_stop(state):
            item = engine.select_next(state, rng, exposure_rates=rates)
            p = float(engine.p_correct(0.0, bank.a[item], bank.b[item]))
            state = engine.record(state, item, bool(answers.random() < p))
        counts[list(state.items)] += 1
    # Everyone has θ = 0, the worst case for exposure: without rates the favourite items
    # go to 97% of the sessions; the priority index keeps every item to about a third.
    assert counts.max() / sessions <= 0.40


# --- stopping ----------------------------------------------------------------------------


def with_posterior(state: engine.SessionState, mean: float, sd: float) -> engine.SessionState:
    """The same session with a normal posterior put in, to test the rule by itself."""
    z = (state.config.grid - mean) / sd
    return replace(state, log_weights=-0.5 * z * z)


def answered(bank: ItemBank, config: EngineConfig, n: int) -> engine.SessionState:
    scored = [int(i) for i in np.flatnonzero(~bank.is_pretest)[:n]]
    state = engine.start(bank, config, Blueprint.equal(6), rng=np.random.default_rng(0))
    return replace(state, items=tuple(scored), responses=(True,) * n, pretest_positions=())


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 0.82), (10, 0.82), (16, 0.772), (25, 0.70), (40, 0.70)],
)
def test_the_stop_threshold_falls_linearly_from_min_to_max_items(n: int, expected: float) -> None:
    assert engine.stop_threshold(EngineConfig(), n) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("n", "mean", "sd", "expected", "why"),
    [
        (9, 0.5, 0.15, False, "settled, but below min_items"),
        (10, 0.5, 0.15, True, "level 2 all but certain"),
        (10, 0.5, 0.30, True, "P(level 2) = 0.90 ≥ 0.82"),
        (10, 0.75, 0.30, False, "P(level 2) = 0.79 < 0.82"),
        (16, 0.75, 0.30, True, "... ≥ 0.772, the threshold after 16 items"),
        (10, 0.30, 0.25, False, "P(level 2) = 0.88, but P(θ ≥ 0) = 0.885 < 0.90"),
        (24, 0.30, 0.25, False, "the pass condition holds to the end"),
        (25, 0.30, 0.25, True, "max_items"),
        (10, -1.50, 0.30, True, "below the first cut: no cut to pass"),
        (24, 0.0, 0.25, False, "on a cut: P(level 1) = 0.50"),
    ],
)
def test_stopping_rule(n: int, mean: float, sd: float, expected: bool, why: str) -> None:
    bank = make_bank(seed=5)
    config = EngineConfig()
    state = with_posterior(answered(bank, config, n), mean, sd)
    assert engine.should_stop(state) is expected, why


def test_stopping_rule_probabilities_are_as_stated() -> None:
    bank = make_bank(seed=5)
    config = EngineConfig()
    near_cut = engine.result(with_posterior(answered(bank, config, 10), 0.30, 0.25))
    assert near_cut.level == 2
    assert near_cut.prob_at_least[1] == pytest.approx(0.885, abs=0.005)
    assert near_cut.level_probabilities[2] == pytest.approx(0.882, abs=0.005)
    falling = engine.result(with_posterior(answered(bank, config, 10), 0.75, 0.30))
    assert falling.level_probabilities[2] == pytest.approx(0.792, abs=0.005)


def confident_answers(bank: ItemBank, n: int) -> list[tuple[int, bool]]:
    """n correct answers to the hardest items: the posterior piles up above the top cut."""
    hardest = np.argsort(-np.where(bank.is_pretest, -np.inf, bank.b))[:n]
    return [(int(i), True) for i in hardest]


def uncertain_answers(bank: ItemBank, n: int) -> list[tuple[int, bool]]:
    """Alternating answers to items at the middle cut: the posterior straddles it."""
    middle = np.argsort(np.where(bank.is_pretest, np.inf, np.abs(bank.b)))[:n]
    return [(int(i), k % 2 == 0) for k, i in enumerate(middle)]


@pytest.mark.parametrize(
    ("answers", "n", "expected"),
    [
        (confident_answers, 9, False),  # confident, but below min_items
        (confident_answers, 10, True),  # confident at min_items
        (uncertain_answers, 10, False),
        (uncertain_answers, 20, False),
        (uncertain_answers, 24, False),
        (uncertain_answers, 25, True),  # max_items
    ],
)
def test_stopping_with_real_answers(answers, n: int, expected: bool) -> None:
    bank = make_bank(seed=5)
    state = state_after(bank, EngineConfig(), answers(bank, n))
    assert engine.should_stop(state) is expected


# --- awards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at_least", "conservative", "most_probable"),
    [
        ((0.99, 0.97, 0.95), 3, 3),
        ((0.99, 0.80, 0.30), 2, 2),
        ((0.95, 0.70, 0.10), 1, 2),  # level 2 is most probable but not certain enough
        ((0.70, 0.20, 0.01), 0, 1),
        ((0.10, 0.01, 0.00), 0, 0),
        ((0.99, 0.75, 0.05), 2, 2),  # exactly at the threshold counts
    ],
)
def test_conservative_award_versus_most_probable(
    at_least: tuple[float, ...], conservative: int, most_probable: int
) -> None:
    levels = engine.level_probabilities_from_at_least(np.asarray(at_least))
    assert engine.award_conservative(at_least, 0.75) == conservative
    assert engine.award_most_probable(levels) == most_probable


def test_result_flags_near_when_the_most_probable_level_is_above_the_award() -> None:
    bank = make_bank(seed=6)
    config = EngineConfig()
    near_seen = False
    for k in range(6, 40):
        placement = engine.result(state_after(bank, config, uncertain_answers(bank, k)))
        assert placement.level <= placement.most_probable_level
        assert placement.near is (placement.most_probable_level > placement.level)
        assert sum(placement.level_probabilities) == pytest.approx(1.0)
        near_seen |= placement.near
    assert near_seen


# --- pretest items -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_one_or_two_pretest_items_are_seeded_after_warm_up(seed: int) -> None:
    bank = make_bank(seed=7)
    config = EngineConfig()
    state = run_session(bank, config, theta=0.3, seed=seed)
    assert 1 <= len(state.pretest_items) <= 2
    assert all(bank.is_pretest[i] for i in state.pretest_items)
    assert not any(bank.is_pretest[i] for i in state.items)
    assert all(config.warmup_items <= p < config.min_items for p in state.pretest_positions)
    assert len(state.pretest_responses) == len(state.pretest_items)


def test_pretest_answers_do_not_change_the_posterior() -> None:
    bank = make_bank(seed=8)
    config = EngineConfig()
    state = state_after(bank, config, [(0, True), (1, False)])
    pretest = int(np.flatnonzero(bank.is_pretest)[0])
    for correct in (True, False):
        after = engine.record(state, pretest, correct)
        assert np.array_equal(after.log_weights, state.log_weights)
        assert after.items == state.items
        assert after.pretest_items == (pretest,)
        assert engine.result(after) == engine.result(state)


def test_a_bank_without_pretest_items_seeds_none() -> None:
    bank = make_bank(seed=9, pretest=0)
    state = run_session(bank, EngineConfig(), theta=0.0, seed=1)
    assert state.pretest_items == ()
    assert state.pretest_positions == ()


# --- state -------------------------------------------------------------------------------


def test_state_round_trips_through_a_json_dict() -> None:
    bank = make_bank(seed=10)
    config = EngineConfig()
    rng = np.random.default_rng(3)
    state = engine.start(bank, config, Blueprint.equal(6), rng=rng)
    for k in range(7):
        state = engine.record(state, engine.select_next(state, rng), k % 3 != 0)
    data = json.loads(json.dumps(state.to_dict()))
    restored = engine.SessionState.from_dict(data, bank=bank, config=config)
    assert restored.items == state.items
    assert restored.responses == state.responses
    assert restored.pretest_positions == state.pretest_positions
    assert restored.pretest_items == state.pretest_items
    assert restored.pretest_responses == state.pretest_responses
    assert restored.blueprint == state.blueprint
    assert np.array_equal(restored.log_weights, state.log_weights)
    assert data["items"] == [int(bank.ids[i]) for i in state.items]
    # The restored session carries on exactly as the original would.
    assert engine.select_next(restored, np.random.default_rng(9)) == engine.select_next(
        state, np.random.default_rng(9)
    )
    assert engine.result(restored) == engine.result(state)


def test_record_returns_a_new_state_and_rejects_repeats() -> None:
    bank = make_bank(seed=11)
    state = state_after(bank, EngineConfig(), [])
    after = engine.record(state, 3, True)
    assert state.items == ()
    assert after.items == (3,)
    with pytest.raises(ValueError, match="already administered"):
        engine.record(after, 3, False)


def test_a_state_from_another_grid_is_refused() -> None:
    bank = make_bank(seed=12)
    data = state_after(bank, EngineConfig(), [(0, True)]).to_dict()
    with pytest.raises(ValueError, match="grid"):
        engine.SessionState.from_dict(data, bank=bank, config=EngineConfig(grid_points=41))
