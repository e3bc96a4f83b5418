"""Accepting a player's answer: the hot path of a live game.

Kept on its own because it runs once per player per question (thousands per
second in a large room) and is benchmarked; everything here is O(1) in the
number of players. The acknowledgement says nothing about correctness, and the
points are only added to totals at the reveal.
"""

from __future__ import annotations

from contest.live.commands import Answer
from contest.live.lifecycle import answer_count, bump, emit
from contest.live.scoring import fair_response_seconds, score_answer
from contest.live.serialization import answer_record_to_dict
from contest.live.standings import effective_streak
from contest.live.state import (
    Ack,
    AnswerRecord,
    Audience,
    Event,
    GameState,
    Phase,
    QuestionSpec,
    Reject,
    Result,
)


def accept_answer(state: GameState, command: Answer, now: float, events: list[Event]) -> Result:
    player = state.players.get(command.player_id)
    if player is None:
        return Result(state, events, Reject.UNKNOWN_PLAYER)
    if player.kicked:
        return Result(state, events, Reject.KICKED)
    if player.last_ack is not None and player.last_ack.question_index == command.question_index:
        return Result(state, events, ack=player.last_ack, duplicate=True)
    error = _answer_window_error(state, command, now)
    if error is not None:
        return Result(state, events, error)
    question = state.question
    assert question is not None and state.opens_at is not None and state.deadline is not None
    choice = command.choice
    if not valid_choice(question, choice):
        return Result(state, events, Reject.INVALID_CHOICE)
    return record_accepted_answer(
        state,
        player.player_id,
        choice,
        received_at=now,
        elapsed_seconds=now - state.opens_at,
        limit_seconds=state.deadline - state.opens_at,
        client_receive_delay_ms=command.client_receive_delay_ms,
        events=events,
    )


def record_accepted_answer(
    state: GameState,
    player_id: str,
    choice: tuple[str, ...],
    *,
    received_at: float,
    elapsed_seconds: float,
    limit_seconds: float,
    client_receive_delay_ms: int,
    events: list[Event],
) -> Result:
    """Score and record an answer already found acceptable (here, or by the Redis script
    that mirrors these checks, which stores the elapsed time and window it saw)."""
    player = state.players[player_id]
    question = state.question
    assert question is not None
    response = fair_response_seconds(
        opened_at=0.0,
        answered_at=elapsed_seconds,
        client_receive_delay_ms=client_receive_delay_ms,
        max_grace_seconds=state.config.max_grace_seconds,
    )
    scored = score_answer(
        mode=state.config.mode,
        correct=frozenset(choice) == question.correct_option_ids,
        response_seconds=response,
        limit_seconds=limit_seconds,
        previous_streak=effective_streak(state, player),
    )
    bump(state)
    record = AnswerRecord(
        player.player_id,
        state.question_index,
        choice,
        received_at,
        round(response * 1000),
        scored.correct,
        scored.base,
        scored.bonus,
        scored.streak,
    )
    state.answers[player.player_id] = record
    for option_id in choice:
        state.option_counts[option_id] += 1
    ack = Ack(state.question_index, choice, received_at, record.response_ms)
    player.last_ack = ack
    emit(state, events, "answer_accepted", Audience.SERVER, answer_record_to_dict(record))
    emit(state, events, "answer_count", Audience.HOST, answer_count(state))
    return Result(state, events, ack=ack)


def _answer_window_error(state: GameState, command: Answer, now: float) -> Reject | None:
    phase = state.effective_phase
    if phase is Phase.LOBBY:
        return Reject.NOT_OPEN
    if phase is Phase.FINISHED:
        return Reject.TOO_LATE
    if command.question_index != state.question_index:
        return Reject.WRONG_QUESTION
    if phase is not Phase.QUESTION:
        return Reject.TOO_LATE
    assert state.opens_at is not None
    if state.phase is Phase.PAUSED or now < state.opens_at:
        return Reject.NOT_OPEN
    return None


def valid_choice(question: QuestionSpec, choice: tuple[str, ...]) -> bool:
    if not choice or len(set(choice)) != len(choice):
        return False
    if not question.multiple and len(choice) != 1:
        return False
    return all(option_id in question.option_ids for option_id in choice)
