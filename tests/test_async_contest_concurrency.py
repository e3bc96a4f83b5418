"""Concurrent starts and saves on real PostgreSQL: one attempt, one answer row."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from contest.asynchronous import services
from contest.asynchronous.models import Attempt, AttemptAnswer
from tests.contest_fixtures import key_choice, open_contest, person, publish_bank

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI uses it)"
    ),
]


def together(n: int, work: Callable[[], object]) -> list[object]:
    """Run `work` in n threads released at the same moment; return results or errors."""
    barrier = threading.Barrier(n)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as exc:  # recorded and asserted on by the caller
            results.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_concurrent_starts_give_one_attempt() -> None:
    publish_bank(12)
    contest = open_contest(attempts_allowed=1)
    who = person()
    results = together(6, lambda: services.attempt_start(contest=contest, participant=who).pk)
    assert len({r for r in results if isinstance(r, int)}) == 1, results
    assert Attempt.objects.filter(contest=contest, participant=who).count() == 1


def test_concurrent_identical_saves_store_one_answer() -> None:
    publish_bank(12)
    attempt = services.attempt_start(contest=open_contest(), participant=person())
    choice = key_choice(attempt.questions.get(position=1))
    results = together(
        6, lambda: services.answer_save(attempt=attempt, position=1, choice=choice).pk
    )
    assert all(isinstance(r, int) for r in results), results
    assert AttemptAnswer.objects.count() == 1
    assert AttemptAnswer.objects.get().revisions == 1
