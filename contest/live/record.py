"""Writing a live game's accepted answers to PostgreSQL in bulk.

At a reveal thousands of answers are upserted at once, in a process that is also
serving websockets. Django's bulk_create builds a model instance per row (hundreds of
milliseconds of CPU, holding the GIL that the event loop needs); on PostgreSQL one
INSERT … SELECT FROM unnest(arrays) … ON CONFLICT does the same in one statement with
almost no Python work. Other databases (SQLite on a laptop) take the ORM path.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from django.db import connection

from contest.live.models import LiveAnswer


class AnswerRow(NamedTuple):
    question_index: int
    player_id: str
    choice: list[str]
    received_at: float
    response_ms: int
    is_correct: bool | None
    points: int | None
    voided: bool


UPSERT_SQL = """
INSERT INTO contest_liveanswer
    (game_id, question_index, player_id, choice, received_at, response_ms,
     is_correct, points, voided)
SELECT %s, q, p, c::jsonb, r, m, k, s, v
FROM unnest(%s::int[], %s::text[], %s::text[], %s::float8[], %s::int[], %s::bool[],
            %s::int[], %s::bool[]) AS t(q, p, c, r, m, k, s, v)
ON CONFLICT (game_id, question_index, player_id) DO UPDATE SET
    choice = EXCLUDED.choice, received_at = EXCLUDED.received_at,
    response_ms = EXCLUDED.response_ms, is_correct = EXCLUDED.is_correct,
    points = EXCLUDED.points, voided = EXCLUDED.voided
"""


def answers_upsert(game_pk: int, rows: list[AnswerRow]) -> None:
    """Insert or update answers, unique per (game, question, player): idempotent."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = list(zip(*rows, strict=True))
        params: list[Any] = [
            game_pk,
            list(columns[0]),
            list(columns[1]),
            [json.dumps(choice) for choice in columns[2]],
            *(list(column) for column in columns[3:]),
        ]
        with connection.cursor() as cursor:
            cursor.execute(UPSERT_SQL, params)
        return
    LiveAnswer.objects.bulk_create(
        [LiveAnswer(game_id=game_pk, **row._asdict()) for row in rows],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["game", "question_index", "player_id"],
        update_fields=["choice", "received_at", "response_ms", "is_correct", "points", "voided"],
    )
