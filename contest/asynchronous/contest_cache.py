"""What every start in a contest reads and organisers rarely change, kept per process.

A contest's audience, its rounds and the question pool of each blueprint rule (with
enemies) are the same for the thousands who start in its first minutes; reading them
again for each start was 12 of a start's 29 queries and a third of its CPU.

Staleness is bounded two ways: an entry lives `TTL_SECONDS`, and saving or deleting
anything it is built from (a contest, its rules, rounds or audience, a question version,
an option, enemies) clears this process's entries at once. Another process sees such a
change within `TTL_SECONDS`, which for an audience or a pool that an organiser edits
while people are starting is the same as a few seconds' delay in the edit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

TTL_SECONDS = 30.0

_lock = threading.Lock()
_entries: dict[Hashable, tuple[float, Any]] = {}


def remembered(key: Hashable, build: Callable[[], T]) -> T:
    """The value kept under `key`, built (outside the lock) when missing or expired."""
    now = time.monotonic()
    with _lock:
        kept = _entries.get(key)
    if kept is not None and kept[0] > now:
        value: T = kept[1]
        return value
    value = build()
    with _lock:
        _entries[key] = (now + TTL_SECONDS, value)
    return value


def contest_cache_clear(*_args: object, **_kwargs: object) -> None:
    """Forget everything (connected to the models' change signals; tests call it too)."""
    with _lock:
        _entries.clear()


def connect_signals() -> None:
    """Clear on any change to what the entries are built from (AppConfig.ready)."""
    from contest.asynchronous.models import BlueprintRule, Contest, Round
    from question_banks.models import Option, Question, QuestionVersion

    for model in (Contest, BlueprintRule, Round, QuestionVersion, Option, Question):
        post_save.connect(contest_cache_clear, sender=model, dispatch_uid=f"cc-save-{model}")
        post_delete.connect(contest_cache_clear, sender=model, dispatch_uid=f"cc-del-{model}")
    for through in (
        Contest.target_groups.through,
        Contest.communes.through,
        Contest.schools.through,
        QuestionVersion.target_groups.through,
        QuestionVersion.tags.through,
        Question.enemies.through,
    ):
        m2m_changed.connect(contest_cache_clear, sender=through, dispatch_uid=f"cc-m2m-{through}")
