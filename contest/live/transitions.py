"""The entry points of the state machine (:func:`apply`, :func:`tick`) and the host commands.

Every handler checks first and returns a ``Reject`` without touching the state,
or mutates and returns None; that is what lets a service apply a command under a
lock without copying the state. :func:`apply` runs the clock before and after
the command, so a question whose deadline passed is closed by whichever worker
sees it first.
"""

from __future__ import annotations

import math

from contest.live.answers import accept_answer
from contest.live.commands import (
    MAX_EXTENSION_SECONDS,
    MAX_NICKNAME_LENGTH,
    MAX_TEAM_LENGTH,
    Answer,
    CloseLateJoin,
    CloseQuestion,
    Command,
    ExtendTime,
    Finish,
    Join,
    Kick,
    Next,
    Pause,
    Resume,
    Reveal,
    ShowLeaderboard,
    Skip,
    Start,
)
from contest.live.lifecycle import (
    advance,
    all_answered,
    auto_close,
    bump,
    close,
    emit,
    finish_now,
    score_current,
    start_question,
    void_current,
)
from contest.live.standings import invalidate_ranking, leaderboard_payload
from contest.live.state import (
    REVEALED,
    RUNNING,
    Audience,
    Event,
    GameState,
    Phase,
    Player,
    Reject,
    Result,
)


def tick(state: GameState, now: float) -> Result:
    """Close the current question if its deadline has passed; safe to call from any worker."""
    events: list[Event] = []
    auto_close(state, now, events)
    return Result(state, events)


def apply(state: GameState, command: Command, now: float) -> Result:
    events: list[Event] = []
    auto_close(state, now, events)
    if isinstance(command, Answer):
        result = accept_answer(state, command, now, events)
    else:
        result = Result(state, events, _HANDLERS[type(command)](state, command, now, events))
    if result.ok:
        auto_close(state, now, events)
    return result


# Handlers: each checks, then mutates and returns None, or returns a Reject --


def _start(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is not Phase.LOBBY:
        return Reject.ILLEGAL_PHASE
    bump(state)
    emit(state, events, "game_started", Audience.ALL, {"question_count": len(state.questions)})
    start_question(state, 0, now, events)
    return None


def _next(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase not in REVEALED:
        return Reject.ILLEGAL_PHASE
    bump(state)
    advance(state, now, events)
    return None


def _close_question(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    if state.phase is Phase.CLOSED:
        return None  # another worker or the implicit tick closed it first
    if state.phase is not Phase.QUESTION:
        return Reject.ILLEGAL_PHASE
    if not all_answered(state):
        return Reject.NOT_YET
    bump(state)
    close(state, events)
    return None


def _reveal(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is Phase.QUESTION:
        return Reject.NOT_YET
    if state.phase is not Phase.CLOSED:
        return Reject.ILLEGAL_PHASE
    question = state.question
    assert question is not None
    bump(state)
    score_current(state, events)
    state.phase = Phase.REVEAL
    payload = {
        "question_index": state.question_index,
        "question_id": question.question_id,
        "correct_option_ids": sorted(question.correct_option_ids),
        "option_counts": dict(state.option_counts),
        "answered": len(state.answers),
    }
    emit(state, events, "question_revealed", Audience.ALL, payload)
    return None


def _show_leaderboard(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    if state.phase is not Phase.REVEAL:
        return Reject.ILLEGAL_PHASE
    bump(state)
    state.phase = Phase.LEADERBOARD
    emit(state, events, "leaderboard_shown", Audience.ALL, leaderboard_payload(state))
    return None


def _pause(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase not in RUNNING:
        return Reject.ILLEGAL_PHASE
    bump(state)
    state.paused_from, state.paused_at, state.phase = state.phase, now, Phase.PAUSED
    emit(state, events, "game_paused", Audience.ALL, {"paused_from": str(state.paused_from)})
    return None


def _resume(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is not Phase.PAUSED:
        return Reject.ILLEGAL_PHASE
    assert state.paused_from is not None and state.paused_at is not None
    bump(state)
    shift = max(now - state.paused_at, 0.0)
    if state.paused_from is Phase.QUESTION:
        assert state.opens_at is not None and state.deadline is not None
        state.opens_at += shift
        state.deadline += shift
    state.phase, state.paused_from, state.paused_at = state.paused_from, None, None
    payload = {
        "phase": str(state.phase),
        "shift_seconds": shift,
        "opens_at": state.opens_at,
        "deadline": state.deadline,
    }
    emit(state, events, "game_resumed", Audience.ALL, payload)
    return None


def _skip(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.effective_phase not in (Phase.QUESTION, Phase.CLOSED):
        return Reject.ILLEGAL_PHASE
    bump(state)
    void_current(state, events, reason="skipped")
    state.paused_from = state.paused_at = None
    advance(state, now, events)
    return None


def _extend_time(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    assert isinstance(command, ExtendTime)
    seconds = command.seconds
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_EXTENSION_SECONDS):
        return Reject.INVALID_ARGUMENT
    if state.effective_phase is not Phase.QUESTION:
        return Reject.ILLEGAL_PHASE
    assert state.deadline is not None
    bump(state)
    state.deadline += seconds
    payload = {"seconds": seconds, "deadline": state.deadline}
    emit(state, events, "time_extended", Audience.ALL, payload)
    return None


def _kick(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    assert isinstance(command, Kick)
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    player = state.players.get(command.player_id)
    if player is None:
        return Reject.UNKNOWN_PLAYER
    if player.kicked:
        return None
    bump(state)
    player.kicked = True
    state.active_count -= 1
    record = state.answers.get(player.player_id)
    if record is not None and state.last_scored_index != state.question_index:
        del state.answers[player.player_id]
        for option_id in record.choice:
            state.option_counts[option_id] -= 1
    invalidate_ranking(state)
    payload = {"player_id": player.player_id, "players": state.active_count}
    emit(state, events, "player_kicked", Audience.HOST, payload)
    emit(state, events, "player_kicked", Audience.PLAYER, payload, player.player_id)
    return None


def _join(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    assert isinstance(command, Join)
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    existing = state.players.get(command.player_id)
    if existing is not None:
        return Reject.KICKED if existing.kicked else None  # a reconnect, not a new player
    nickname = command.nickname.strip()
    team = command.team.strip() if command.team is not None else None
    if not command.player_id or not 0 < len(nickname) <= MAX_NICKNAME_LENGTH:
        return Reject.INVALID_ARGUMENT
    if team is not None and not 0 < len(team) <= MAX_TEAM_LENGTH:
        return Reject.INVALID_ARGUMENT
    if state.phase is not Phase.LOBBY and not state.late_join_open:
        return Reject.LATE_JOIN_CLOSED
    bump(state)
    player = Player(command.player_id, nickname, team, state.next_join_order)
    state.players[player.player_id] = player
    state.next_join_order += 1
    state.active_count += 1
    invalidate_ranking(state)
    payload = {
        "player_id": player.player_id,
        "nickname": nickname,
        "team": team,
        "players": state.active_count,
    }
    emit(state, events, "player_joined", Audience.HOST, payload)
    return None


def _close_late_join(
    state: GameState, command: Command, now: float, events: list[Event]
) -> Reject | None:
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    if not state.late_join_open:
        return None
    bump(state)
    state.late_join_open = False
    emit(state, events, "late_join_closed", Audience.HOST, {})
    return None


def _finish(state: GameState, command: Command, now: float, events: list[Event]) -> Reject | None:
    if state.phase is Phase.FINISHED:
        return Reject.ILLEGAL_PHASE
    bump(state)
    # A closed question ran its full course and counts; an open one is void.
    if state.effective_phase is Phase.CLOSED:
        score_current(state, events)
    elif state.effective_phase is Phase.QUESTION:
        void_current(state, events, reason="finished")
    finish_now(state, events)
    return None


_HANDLERS = {
    Start: _start,
    Next: _next,
    CloseQuestion: _close_question,
    Reveal: _reveal,
    ShowLeaderboard: _show_leaderboard,
    Pause: _pause,
    Resume: _resume,
    Skip: _skip,
    ExtendTime: _extend_time,
    Kick: _kick,
    Join: _join,
    CloseLateJoin: _close_late_join,
    Finish: _finish,
}
