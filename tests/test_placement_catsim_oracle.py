"""Our information functions agree with catsim's, which serves as the oracle (dev only)."""

from __future__ import annotations

import numpy as np
import pytest

from contest.placement import engine

catsim_irt = pytest.importorskip("catsim.irt")

SEEDS = range(6)
THETAS = (-3.0, -1.2, -0.3, 0.0, 0.4, 1.0, 2.5)


def random_bank(seed: int, rasch: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    a = np.ones(n) if rasch else np.clip(rng.lognormal(0.0, 0.3, n), 0.5, 2.0)
    b = rng.normal(-0.3, 1.3, n)
    catsim_items = np.column_stack((a, b, np.zeros(n), np.ones(n)))
    return a, b, catsim_items


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rasch", [False, True])
def test_item_information_matches_catsim(seed: int, rasch: bool) -> None:
    a, b, items = random_bank(seed, rasch)
    for theta in THETAS:
        ours = engine.item_information(theta, a, b)
        np.testing.assert_allclose(ours, catsim_irt.inf_hpc(theta, items), rtol=0, atol=1e-9)
        scalar = [catsim_irt.inf(theta, ai, bi) for ai, bi in zip(a, b, strict=True)]
        np.testing.assert_allclose(ours, scalar, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rasch", [False, True])
def test_test_information_and_standard_error_match_catsim(seed: int, rasch: bool) -> None:
    a, b, items = random_bank(seed, rasch)
    for theta in THETAS:
        assert engine.test_information(theta, a, b) == pytest.approx(
            catsim_irt.test_info(theta, items), abs=1e-9
        )
        assert engine.standard_error(theta, a, b) == pytest.approx(
            catsim_irt.see(theta, items), abs=1e-9
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_probability_of_a_correct_answer_matches_catsim(seed: int) -> None:
    a, b, items = random_bank(seed, rasch=False)
    for theta in THETAS:
        np.testing.assert_allclose(
            engine.p_correct(theta, a, b), catsim_irt.icc_hpc(theta, items), rtol=0, atol=1e-12
        )
