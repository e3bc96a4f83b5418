"""Snapshots a client renders from scratch (so a reconnect needs no replay).

Named snapshots, not views, to avoid confusion with Django views. Secrecy lives
here: until the reveal nothing in these dicts depends on which options are
correct, and the host's screen is treated as public because it is projected to
the room.
"""

from __future__ import annotations

from contest.live.serialization import ack_to_dict, public_question
from contest.live.standings import effective_streak, leaderboard_payload, rank_of
from contest.live.state import REVEALED, RUNNING, GameState, Json, Phase


def public_question_view(state: GameState, *, now: float | None = None) -> Json:
    """What everybody may see; the correct options only from the reveal on."""
    phase = state.effective_phase
    view: Json = {
        "game_id": state.game_id,
        "phase": str(state.phase),
        "paused_from": str(state.paused_from) if state.paused_from else None,
        "paused_at": state.paused_at,
        "version": state.version,
        "question_index": state.question_index,
        "question_count": len(state.questions),
        "mode": str(state.config.mode),
        "late_join_open": state.late_join_open,
        "server_now": now,
    }
    question = state.question
    if phase in RUNNING and question is not None:
        q = public_question(question)
        if phase in REVEALED:
            q["correct_option_ids"] = sorted(question.correct_option_ids)
            view["option_counts"] = dict(state.option_counts)
        view.update(
            question=q, shown_at=state.shown_at, opens_at=state.opens_at, deadline=state.deadline
        )
    if phase is Phase.LEADERBOARD or phase is Phase.FINISHED:
        view["leaderboard"] = leaderboard_payload(state)
    return view


def player_view(state: GameState, player_id: str, *, now: float | None = None) -> Json:
    """Reconnect snapshot for one player: the public view plus own score, rank, streak, ack."""
    view = public_question_view(state, now=now)
    player = state.players.get(player_id)
    if player is None:
        view["me"] = None
        return view
    ack = player.last_ack
    me: Json = {
        "player_id": player.player_id,
        "nickname": player.nickname,
        "team": player.team,
        "kicked": player.kicked,
        "score": player.score,
        "rank": rank_of(state, player_id),
        "streak": effective_streak(state, player),
        "ack": ack_to_dict(ack) if ack and ack.question_index == state.question_index else None,
        "result": None,
    }
    if state.effective_phase in REVEALED:
        record = state.answers.get(player_id)
        me["result"] = {
            "answered": record is not None,
            "points": record.points if record else 0,
            "is_correct": record.correct if record else False,
            "bonus": record.bonus if record else 0,
        }
    view["me"] = me
    return view


def host_view(state: GameState, *, now: float | None = None) -> Json:
    """The host's screen is projected to the room, so it is as secret as the public view."""
    view = public_question_view(state, now=now)
    view.update(
        answered=len(state.answers),
        eligible=state.active_count,
        players=state.active_count,
        kicked=len(state.players) - state.active_count,
    )
    return view
