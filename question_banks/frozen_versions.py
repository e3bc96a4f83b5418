"""Question versions that can no longer change, kept in memory per process.

A version's content and options are frozen once it leaves draft (models.py enforces it),
so a copy read once stays true. Every start, page and submission of a busy contest shows
or scores the same few dozen versions: reading them (and their options) from the
database each time was most of what a start cost. Drafts are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from question_banks.models import QuestionVersion

# Enough for every version of a large bank; a version with its options is a few KB.
MAX_VERSIONS = 4096

_lock = threading.Lock()
_versions: OrderedDict[int, QuestionVersion] = OrderedDict()


def frozen_versions(version_ids: Iterable[int]) -> dict[int, QuestionVersion]:
    """The versions by id, with their options prefetched (`version.options.all()`
    reads no database). Treat them as read-only: they are shared between requests."""
    wanted = list(dict.fromkeys(version_ids))
    found: dict[int, QuestionVersion] = {}
    with _lock:
        for version_id in wanted:
            version = _versions.get(version_id)
            if version is not None:
                _versions.move_to_end(version_id)
                found[version_id] = version
    missing = [v for v in wanted if v not in found]
    if not missing:
        return found
    loaded = QuestionVersion.objects.filter(pk__in=missing).prefetch_related("options")
    with _lock:
        for version in loaded:
            found[version.pk] = version
            if version.status != QuestionVersion.Status.DRAFT:
                _versions[version.pk] = version
        while len(_versions) > MAX_VERSIONS:
            _versions.popitem(last=False)
    return found


def frozen_versions_clear() -> None:
    """Forget every kept version (tests; a restored database)."""
    with _lock:
        _versions.clear()
