"""Running exposure rates for the engine's maximum priority index, read from the
recorded responses of recent sessions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from contest.placement import exposure, services
from contest.placement.bank import bank_cache_clear, placement_bank, placement_framework
from contest.placement.models import PlacementResponse, PlacementSession
from tests.contest_fixtures import person, publish_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    return publish_bank(12, prefix="expo")


def sessions_using(participant, framework, items: list, *, pretest: list | None = None) -> None:
    """One finished session that was given `items` (scored) and `pretest` (unscored)."""
    now = timezone.now()
    session = PlacementSession.objects.create(
        participant=participant,
        framework=framework,
        deadline_at=now + dt.timedelta(minutes=40),
        status=PlacementSession.Status.FINISHED,
        items_answered=len(items),
    )
    for position, (version, is_pretest) in enumerate(
        [(v, False) for v in items] + [(v, True) for v in pretest or []], start=1
    ):
        PlacementResponse.objects.create(
            session=session, position=position, version=version, correct=True, pretest=is_pretest
        )


def test_no_rates_before_the_burn_in(versions) -> None:
    participant, framework = person(), placement_framework()
    for _ in range(exposure.BURN_IN - 1):
        sessions_using(participant, framework, versions[:3])
    assert exposure.exposure_rates(placement_bank("resident").items) is None


def test_rates_are_the_share_of_recent_sessions_that_used_each_item(versions) -> None:
    participant, framework = person(), placement_framework()
    a, b, c, d = versions[:4]
    for k in range(60):
        sessions_using(participant, framework, [a, b] if k % 2 else [a], pretest=[c])
    items = placement_bank("resident").items
    rates = exposure.exposure_rates(items)
    assert rates is not None and rates.shape == (items.size,)
    by_id = dict(zip(items.ids.tolist(), rates.tolist(), strict=True))
    assert by_id[a.pk] == pytest.approx(1.0)
    assert by_id[b.pk] == pytest.approx(0.5)
    assert by_id[c.pk] == 0.0  # pretest answers are not exposure of scored items
    assert by_id[d.pk] == 0.0


def test_only_the_window_of_recent_sessions_counts(versions, monkeypatch) -> None:
    monkeypatch.setattr(exposure, "WINDOW", 60)
    participant, framework = person(), placement_framework()
    old, new = versions[:2]
    for _ in range(40):
        sessions_using(participant, framework, [old])
    for _ in range(60):
        sessions_using(participant, framework, [new])
    items = placement_bank("resident").items
    found = exposure.exposure_rates(items)
    assert found is not None
    rates = dict(zip(items.ids.tolist(), found.tolist(), strict=True))
    assert rates[new.pk] == pytest.approx(1.0)
    assert rates[old.pk] == 0.0


def test_counts_are_cached_between_answers(versions, django_assert_num_queries) -> None:
    participant, framework = person(), placement_framework()
    for _ in range(exposure.BURN_IN):
        sessions_using(participant, framework, versions[:2])
    items = placement_bank("resident").items
    first = exposure.exposure_rates(items)
    sessions_using(participant, framework, versions[2:4])
    with django_assert_num_queries(0):
        again = exposure.exposure_rates(items)
    bank_cache_clear()  # also forgets the counts
    fresh = exposure.exposure_rates(items)
    assert first is not None and again is not None and fresh is not None
    assert np.array_equal(first, again)
    assert not np.array_equal(fresh, first)


def test_sessions_give_the_engine_the_rates(versions, monkeypatch) -> None:
    bank = placement_bank("resident")
    rates = np.linspace(0.0, 0.5, bank.items.size)
    monkeypatch.setattr(services, "exposure_rates", lambda items: rates)
    seen = []
    select_next = services.engine.select_next

    def spy(state, rng, *, exposure_rates=None):
        seen.append(exposure_rates)
        return select_next(state, rng, exposure_rates=exposure_rates)

    monkeypatch.setattr(services.engine, "select_next", spy)
    session = services.session_start(participant=person())
    services.session_answer(session=session, position=1, choice=[], dont_know=True)
    assert len(seen) == 2 and all(r is rates for r in seen)
