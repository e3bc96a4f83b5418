"""JSON-able dicts for persisting a game between workers and for event payloads.

Only the fields that are the source of truth are written; the derived caches on
``GameState`` (active count, option counts, ranking) are rebuilt by
:func:`from_dict`, so a stored game can never disagree with itself. Bump
``SCHEMA_VERSION`` when the shape changes.
"""

from __future__ import annotations

from typing import Any

from contest.live.scoring import ScoringMode
from contest.live.state import (
    Ack,
    AnswerRecord,
    GameConfig,
    GameState,
    Json,
    Phase,
    Player,
    QuestionSpec,
)


def public_question(question: QuestionSpec) -> Json:
    return {
        "question_id": question.question_id,
        "option_ids": list(question.option_ids),
        "multiple": question.multiple,
        "time_limit_seconds": question.time_limit_seconds,
    }


def ack_to_dict(ack: Ack) -> Json:
    return {
        "question_index": ack.question_index,
        "choice": list(ack.choice),
        "received_at": ack.received_at,
        "response_ms": ack.response_ms,
    }


def _ack_from_dict(d: Json) -> Ack:
    return Ack(
        int(d["question_index"]),
        tuple(str(c) for c in d["choice"]),
        float(d["received_at"]),
        int(d["response_ms"]),
    )


def answer_record_to_dict(r: AnswerRecord) -> Json:
    return {
        "player_id": r.player_id,
        "question_index": r.question_index,
        "choice": list(r.choice),
        "received_at": r.received_at,
        "response_ms": r.response_ms,
        "correct": r.correct,
        "base": r.base,
        "bonus": r.bonus,
        "streak": r.streak,
    }


def answer_record_from_dict(d: Json) -> AnswerRecord:
    return AnswerRecord(
        str(d["player_id"]),
        int(d["question_index"]),
        tuple(str(c) for c in d["choice"]),
        float(d["received_at"]),
        int(d["response_ms"]),
        bool(d["correct"]),
        int(d["base"]),
        int(d["bonus"]),
        int(d["streak"]),
    )


def player_to_dict(p: Player) -> Json:
    return {
        "player_id": p.player_id,
        "nickname": p.nickname,
        "team": p.team,
        "join_order": p.join_order,
        "score": p.score,
        "correct_count": p.correct_count,
        "answered_count": p.answered_count,
        "total_time_ms": p.total_time_ms,
        "streak": p.streak,
        "streak_through": p.streak_through,
        "kicked": p.kicked,
        "last_ack": ack_to_dict(p.last_ack) if p.last_ack else None,
    }


def player_from_dict(d: Json) -> Player:
    team = d["team"]
    return Player(
        player_id=str(d["player_id"]),
        nickname=str(d["nickname"]),
        team=None if team is None else str(team),
        join_order=int(d["join_order"]),
        score=int(d["score"]),
        correct_count=int(d["correct_count"]),
        answered_count=int(d["answered_count"]),
        total_time_ms=int(d["total_time_ms"]),
        streak=int(d["streak"]),
        streak_through=int(d["streak_through"]),
        kicked=bool(d["kicked"]),
        last_ack=_ack_from_dict(d["last_ack"]) if d["last_ack"] else None,
    )


def _question_to_dict(q: QuestionSpec) -> Json:
    return {
        **public_question(q),
        "correct_option_ids": sorted(q.correct_option_ids),
        "read_seconds": q.read_seconds,
    }


def _question_from_dict(d: Json) -> QuestionSpec:
    read = d["read_seconds"]
    return QuestionSpec(
        question_id=str(d["question_id"]),
        option_ids=tuple(str(o) for o in d["option_ids"]),
        correct_option_ids=frozenset(str(o) for o in d["correct_option_ids"]),
        time_limit_seconds=float(d["time_limit_seconds"]),
        multiple=bool(d["multiple"]),
        read_seconds=None if read is None else float(read),
    )


def _config_to_dict(c: GameConfig) -> Json:
    return {
        "mode": str(c.mode),
        "read_seconds": c.read_seconds,
        "max_grace_seconds": c.max_grace_seconds,
        "leaderboard_size": c.leaderboard_size,
        "close_when_all_answered": c.close_when_all_answered,
        "late_join_open": c.late_join_open,
    }


def _config_from_dict(d: Json) -> GameConfig:
    return GameConfig(
        mode=ScoringMode(d["mode"]),
        read_seconds=float(d["read_seconds"]),
        max_grace_seconds=float(d["max_grace_seconds"]),
        leaderboard_size=int(d["leaderboard_size"]),
        close_when_all_answered=bool(d["close_when_all_answered"]),
        late_join_open=bool(d["late_join_open"]),
    )


SCHEMA_VERSION = 1


def control_to_dict(state: GameState) -> Json:
    """The control fields alone (phase, version, index, times, counters): O(1)."""
    return {
        "phase": str(state.phase),
        "version": state.version,
        "question_index": state.question_index,
        "shown_at": state.shown_at,
        "opens_at": state.opens_at,
        "deadline": state.deadline,
        "paused_from": str(state.paused_from) if state.paused_from else None,
        "paused_at": state.paused_at,
        "late_join_open": state.late_join_open,
        "next_join_order": state.next_join_order,
        "last_scored_index": state.last_scored_index,
    }


def to_dict(state: GameState) -> Json:
    """A JSON-able dict; O(players + answers to the current question)."""
    return {
        "schema": SCHEMA_VERSION,
        "game_id": state.game_id,
        "config": _config_to_dict(state.config),
        "questions": [_question_to_dict(q) for q in state.questions],
        **control_to_dict(state),
        "players": [player_to_dict(p) for p in state.players.values()],
        "answers": [answer_record_to_dict(r) for r in state.answers.values()],
    }


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def from_dict(data: Json) -> GameState:
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"unsupported live game schema {data.get('schema')!r}")
    players = [player_from_dict(p) for p in data["players"]]
    answers = [answer_record_from_dict(r) for r in data["answers"]]
    questions = tuple(_question_from_dict(q) for q in data["questions"])
    state = GameState(
        game_id=str(data["game_id"]),
        config=_config_from_dict(data["config"]),
        questions=questions,
        phase=Phase(data["phase"]),
        version=int(data["version"]),
        question_index=int(data["question_index"]),
        shown_at=_optional_float(data["shown_at"]),
        opens_at=_optional_float(data["opens_at"]),
        deadline=_optional_float(data["deadline"]),
        paused_from=Phase(data["paused_from"]) if data["paused_from"] else None,
        paused_at=_optional_float(data["paused_at"]),
        late_join_open=bool(data["late_join_open"]),
        next_join_order=int(data["next_join_order"]),
        last_scored_index=int(data["last_scored_index"]),
        players={p.player_id: p for p in players},
        answers={r.player_id: r for r in answers},
    )
    state.active_count = sum(1 for p in players if not p.kicked)
    question = state.question
    if question is not None:
        state.option_counts = dict.fromkeys(question.option_ids, 0)
        for record in answers:
            for option_id in record.choice:
                state.option_counts[option_id] += 1
    return state
