"""The steps of a question's life (open, close, score, void) and of the game's end.

Shared by the host commands, the answer path and the clock (:func:`auto_close`),
so that a question closes, scores and finishes the same way whichever of them
triggers it. These helpers do not check anything: callers check first, then call
them, which is what keeps a rejected command from changing the state.
"""

from __future__ import annotations

from contest.live.serialization import public_question
from contest.live.standings import invalidate_ranking, leaderboard_payload
from contest.live.state import Audience, Event, GameState, Json, Phase


def auto_close(state: GameState, now: float, events: list[Event]) -> None:
    if state.phase is not Phase.QUESTION:
        return
    assert state.deadline is not None
    if now >= state.deadline or (state.config.close_when_all_answered and all_answered(state)):
        bump(state)
        close(state, events)


def all_answered(state: GameState) -> bool:
    return state.active_count > 0 and len(state.answers) >= state.active_count


def bump(state: GameState) -> None:
    state.version += 1


def emit(
    state: GameState,
    events: list[Event],
    kind: str,
    audience: Audience,
    payload: Json,
    player_id: str | None = None,
) -> None:
    events.append(Event(kind, audience, state.version, payload, player_id))


def start_question(state: GameState, index: int, now: float, events: list[Event]) -> None:
    question = state.questions[index]
    read = question.read_seconds if question.read_seconds is not None else state.config.read_seconds
    state.phase = Phase.QUESTION
    state.question_index = index
    state.shown_at = now
    state.opens_at = now + read
    state.deadline = state.opens_at + question.time_limit_seconds
    state.answers = {}
    state.option_counts = dict.fromkeys(question.option_ids, 0)
    payload = {
        "question_index": index,
        "question": public_question(question),
        "shown_at": state.shown_at,
        "opens_at": state.opens_at,
        "deadline": state.deadline,
    }
    emit(state, events, "question_started", Audience.ALL, payload)


def advance(state: GameState, now: float, events: list[Event]) -> None:
    if state.question_index + 1 < len(state.questions):
        start_question(state, state.question_index + 1, now, events)
    else:
        finish_now(state, events)


def close(state: GameState, events: list[Event]) -> None:
    state.phase = Phase.CLOSED
    emit(state, events, "question_closed", Audience.ALL, answer_count(state))


def score_current(state: GameState, events: list[Event]) -> None:
    results = []
    for record in state.answers.values():
        player = state.players[record.player_id]
        player.score += record.points
        player.answered_count += 1
        if record.correct:
            player.correct_count += 1
            player.total_time_ms += record.response_ms
            player.streak, player.streak_through = record.streak, record.question_index
        else:
            player.streak = 0
        results.append(
            {
                "player_id": record.player_id,
                "points": record.points,
                "correct": record.correct,
                "score": player.score,
            }
        )
    state.last_scored_index = state.question_index
    invalidate_ranking(state)
    payload = {"question_index": state.question_index, "results": results}
    emit(state, events, "question_scored", Audience.SERVER, payload)


def void_current(state: GameState, events: list[Event], *, reason: str) -> None:
    state.answers = {}
    state.option_counts = dict.fromkeys(state.option_counts, 0)
    payload = {"question_index": state.question_index, "reason": reason}
    emit(state, events, "question_voided", Audience.ALL, payload)


def finish_now(state: GameState, events: list[Event]) -> None:
    state.phase = Phase.FINISHED
    state.paused_from = state.paused_at = None
    emit(state, events, "game_finished", Audience.ALL, leaderboard_payload(state))


def answer_count(state: GameState) -> Json:
    return {
        "question_index": state.question_index,
        "answered": len(state.answers),
        "eligible": state.active_count,
    }
