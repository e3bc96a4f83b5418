"""Ranking of players and teams, and the cached leaderboard payload.

The ranking is cached on the state (``ranking``, ``rank_index``,
``leaderboard``) because reconnect storms ask for ranks far more often than
scores change; every change to scores or the player list must call
:func:`invalidate_ranking`.
"""

from __future__ import annotations

from dataclasses import dataclass

from contest.live.scoring import rank_key
from contest.live.state import GameState, Json, Player


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    player_id: str
    nickname: str
    team: str | None
    score: int
    correct_count: int
    total_time_ms: int


@dataclass(frozen=True, slots=True)
class TeamStanding:
    team: str
    members: int
    total: int
    mean: float


def invalidate_ranking(state: GameState) -> None:
    state.ranking = None
    state.rank_index = None
    state.leaderboard = None


def effective_streak(state: GameState, player: Player) -> int:
    """Consecutive correct answers up to the last scored question (0 if one was missed)."""
    return player.streak if player.streak_through == state.last_scored_index else 0


def _ranked_ids(state: GameState) -> list[str]:
    if state.ranking is None:
        mode = state.config.mode
        active = [p for p in state.players.values() if not p.kicked]
        active.sort(
            key=lambda p: rank_key(
                mode,
                score=p.score,
                correct_count=p.correct_count,
                total_time_ms=p.total_time_ms,
                join_order=p.join_order,
            )
        )
        state.ranking = [p.player_id for p in active]
        state.rank_index = {pid: i + 1 for i, pid in enumerate(state.ranking)}
    return state.ranking


def top(state: GameState, n: int) -> list[Standing]:
    """The first ``n`` players; sorts once (O(N log N)) after scores change, then O(n)."""
    standings = []
    for rank, player_id in enumerate(_ranked_ids(state)[: max(n, 0)], start=1):
        p = state.players[player_id]
        standings.append(
            Standing(
                rank, p.player_id, p.nickname, p.team, p.score, p.correct_count, p.total_time_ms
            )
        )
    return standings


def rank_of(state: GameState, player_id: str) -> int | None:
    """1-based rank among active players, or None for unknown or kicked players."""
    _ranked_ids(state)
    assert state.rank_index is not None
    return state.rank_index.get(player_id)


def team_standings(state: GameState, *, by_mean: bool = False) -> list[TeamStanding]:
    totals: dict[str, list[int]] = {}
    for p in state.players.values():
        if p.team is not None and not p.kicked:
            totals.setdefault(p.team, []).append(p.score)
    teams = [TeamStanding(t, len(s), sum(s), sum(s) / len(s)) for t, s in totals.items()]
    if by_mean:
        teams.sort(key=lambda t: (-t.mean, -t.total, t.team))
    else:
        teams.sort(key=lambda t: (-t.total, -t.mean, t.team))
    return teams


def _standing_to_dict(s: Standing) -> Json:
    return {
        "rank": s.rank,
        "player_id": s.player_id,
        "nickname": s.nickname,
        "team": s.team,
        "score": s.score,
        "correct_count": s.correct_count,
        "total_time_ms": s.total_time_ms,
    }


def leaderboard_payload(state: GameState) -> Json:
    """Cached until scores or players change, so reconnect storms cost O(1) each."""
    if (
        state.leaderboard is not None
        and state.leaderboard["question_index"] == state.question_index
    ):
        return state.leaderboard
    teams = [
        {"team": t.team, "members": t.members, "total": t.total, "mean": t.mean}
        for t in team_standings(state)
    ]
    state.leaderboard = {
        "question_index": state.question_index,
        "top": [_standing_to_dict(s) for s in top(state, state.config.leaderboard_size)],
        "teams": teams,
    }
    return state.leaderboard
