"""The one statement that stores an answer, shared by the Django service
(`services.answer_save`) and the lean save endpoint (`fast_save`), so both apply the
same rules at the moment of writing:

- only while the attempt is in progress and before its deadline (checked against the
  attempt row itself, locked FOR KEY SHARE on PostgreSQL so a concurrent submission
  either sees this answer when it scores or makes this save fail);
- the same answer again changes nothing but the client counter (no new revision, the
  first `saved_at` stays);
- a save from a page view (`client_page`, `client_seq`) never overwrites a newer save
  from the same page view; another page view (a reload, another device) always counts.

No row back means nothing was stored: the attempt is closed, past its deadline or
gone, or a newer save from the same page stands. Callers tell those apart the slow way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime

from contest.asynchronous.models import Attempt, AttemptAnswer

_ANSWER = AttemptAnswer._meta.db_table
_ATTEMPT = Attempt._meta.db_table

# {choice} and {lock} differ by database: PostgreSQL stores JSON as jsonb and has row
# locks; SQLite stores JSON as text and serialises writers anyway.
_UPSERT = f"""
INSERT INTO {_ANSWER} AS saved
    (question_id, choice, saved_at, revisions, is_correct, client_page, client_seq)
SELECT %(question)s, {{choice}}, %(now)s, 1, NULL, %(page)s, %(seq)s
FROM {_ATTEMPT}
WHERE id = %(attempt)s AND status = %(open)s AND deadline_at > %(now)s {{lock}}
ON CONFLICT (question_id) DO UPDATE SET
    choice = excluded.choice,
    saved_at = CASE WHEN saved.choice = excluded.choice
                    THEN saved.saved_at ELSE excluded.saved_at END,
    revisions = saved.revisions + CASE WHEN saved.choice = excluded.choice THEN 0 ELSE 1 END,
    client_page = CASE WHEN excluded.client_page = ''
                       THEN saved.client_page ELSE excluded.client_page END,
    client_seq = CASE WHEN excluded.client_page = ''
                      THEN saved.client_seq ELSE excluded.client_seq END
WHERE excluded.client_page = ''
   OR excluded.client_page <> saved.client_page
   OR excluded.client_seq >= saved.client_seq
RETURNING id, saved_at, revisions, (SELECT deadline_at FROM {_ATTEMPT} WHERE id = %(attempt)s)
"""  # noqa: S608 (table names from the models; values are bound)

UPSERT_SQL = {
    "postgresql": _UPSERT.format(choice="%(choice)s::jsonb", lock="FOR KEY SHARE"),
    "sqlite": _UPSERT.format(choice="%(choice)s", lock=""),
}


@dataclass(frozen=True)
class Stored:
    """What the statement returned: the answer row's id, when its current choice was
    first saved, its revision count, and the attempt's deadline."""

    answer_id: int
    saved_at: dt.datetime
    revisions: int
    deadline_at: dt.datetime


def upsert_params(
    *,
    attempt_id: int,
    question_id: int,
    choice: list[int],
    now: Any,
    client: tuple[str, int] | None,
) -> dict[str, Any]:
    """Parameters for UPSERT_SQL; `now` already adapted for the database."""
    page, seq = client if client else ("", 0)
    return {
        "attempt": attempt_id,
        "question": question_id,
        # json.dumps as Django's JSONField writes it, so text comparison works on SQLite.
        "choice": json.dumps(choice),
        "now": now,
        "page": page,
        "seq": seq,
        "open": Attempt.Status.IN_PROGRESS.value,
    }


def stored_from_row(row: tuple[object, ...]) -> Stored:
    """The statement's row, with SQLite's text timestamps read as aware UTC datetimes."""
    answer_id, saved_at, revisions, deadline_at = row
    return Stored(int(str(answer_id)), _aware(saved_at), int(str(revisions)), _aware(deadline_at))


def _aware(value: object) -> dt.datetime:
    if isinstance(value, str):  # SQLite keeps naive UTC text
        parsed = parse_datetime(value)
        assert parsed is not None, value
        value = parsed
    assert isinstance(value, dt.datetime), value
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
