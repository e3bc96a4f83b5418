"""Placement sessions: start (or resume), serve the next question, record an
answer, pause, and finish with a level, its confidence and a per-area profile.

The engine's state travels in the session row between requests; the bank comes
from the per-process cache, so an answer costs a handful of queries.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Participant
from contest.asynchronous import scoring
from contest.placement import engine
from contest.placement.bank import PlacementBank, engine_config, placement_bank, placement_framework
from contest.placement.exposure import exposure_rates
from contest.placement.models import PlacementResponse, PlacementSession
from question_banks.models import Level, Option

SESSION_MINUTES = 40
# An area is "strong" when at least this share of its scored answers were right.
STRONG_SHARE = 0.7


def session_start(
    *,
    participant: Participant,
    mode: str = PlacementSession.Mode.SELF,
    volunteer: User | None = None,
    assisted: bool = False,
    now: dt.datetime | None = None,
) -> PlacementSession:
    """A new session, or the person's unfinished one (a reload, or another device)."""
    now = now or timezone.now()
    with transaction.atomic():
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        # A paused session waits however long the pause lasts: its clock is stopped.
        active = PlacementSession.objects.filter(
            Q(status=PlacementSession.Status.IN_PROGRESS, deadline_at__gt=now)
            | Q(status=PlacementSession.Status.PAUSED),
            participant=participant,
        ).first()
        if active is not None:
            return active
        framework = placement_framework()
        bank = placement_bank(participant.target_group_id)
        config = engine_config(framework)
        rng = np.random.default_rng()
        state = engine.start(
            bank.items, config, bank.blueprint, rng=rng, group=participant.target_group_id
        )
        session = PlacementSession(
            participant=participant,
            framework=framework,
            mode=mode,
            volunteer=volunteer,
            assisted=assisted,
            started_at=now,
            deadline_at=now + session_time(participant.extra_time_percent),
        )
        _advance(session, state, bank, rng)
        session.save()
    return session


def session_time(extra_time_percent: int) -> dt.timedelta:
    """How long a session may run: 40 minutes, more with accessible time."""
    return dt.timedelta(minutes=SESSION_MINUTES * (100 + extra_time_percent) / 100)


def sessions_extend(
    *, participant: Participant, extra_percent: int, now: dt.datetime | None = None
) -> int:
    """Give the person's unfinished sessions `extra_percent` more of the normal time
    (an accessible-time grant made while they are under way); returns how many."""
    now = now or timezone.now()
    if extra_percent <= 0:
        return 0
    extra = session_time(extra_percent) - session_time(0)
    extended = 0
    active = PlacementSession.objects.select_for_update().filter(
        Q(status=PlacementSession.Status.IN_PROGRESS, deadline_at__gt=now)
        | Q(status=PlacementSession.Status.PAUSED),
        participant=participant,
    )
    for session in active:
        session.deadline_at += extra
        session.save(update_fields=["deadline_at"])
        extended += 1
    return extended


def _advance(
    session: PlacementSession,
    state: engine.SessionState,
    bank: PlacementBank,
    rng: np.random.Generator,
) -> None:
    if engine.should_stop(state):
        _finish(session, state, bank)
        return
    index = engine.select_next(state, rng, exposure_rates=exposure_rates(bank.items))
    version_id = int(bank.items.ids[index])
    rows = Option.objects.filter(version_id=version_id).order_by("position")
    typed = list(rows.values_list("pk", "version__type"))
    options = [option_id for option_id, _type in typed]
    qtype = typed[0][1]
    key_order = list(options)
    if qtype != "true_false":  # "Đúng" stays before "Sai"; everything else is shuffled
        rng.shuffle(options)
    options = scoring.never_the_key(qtype, options, key_order)
    session.engine_state = state.to_dict()
    session.current_version_id = version_id
    session.current_option_order = [int(o) for o in options]


def _state(session: PlacementSession, bank: PlacementBank) -> engine.SessionState:
    return engine.SessionState.from_dict(
        session.engine_state, bank=bank.items, config=engine_config(session.framework)
    )


def session_answer(
    *,
    session: PlacementSession,
    position: int,
    choice: list[int],
    dont_know: bool = False,
    now: dt.datetime | None = None,
) -> PlacementSession:
    """Record the answer to question `position`. Sending the same position twice (a
    double tap, a resent form) changes nothing and returns the session as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            PlacementSession.objects.select_for_update(of=("self",))
            .select_related("framework", "participant", "current_version")
            .get(pk=session.pk)
        )
        if session.status == PlacementSession.Status.PAUSED:
            _resume(session, now)
            session.save(update_fields=["status", "paused_at", "deadline_at"])
        if not session.is_active:
            return session
        if position != answered_count(session) + 1:
            return session  # already recorded: idempotent
        bank = placement_bank(session.participant.target_group_id)
        if now >= session.deadline_at:
            _finish(session, _state(session, bank), bank, expired=True)
            session.save()
            return session
        version = session.current_version
        assert version is not None
        if dont_know:
            choice, correct = [], False
        else:
            problem = scoring.choice_problem(version.type, session.current_option_order, choice)
            if problem:
                raise ValidationError(_("Hãy chọn một câu trả lời, hoặc bấm “Tôi không biết”."))
            options = list(version.options.order_by("position").values_list("pk", "is_correct"))
            correct = scoring.is_correct(version.type, options, choice)
        state = _state(session, bank)
        index = bank.items.index_of(version.pk)
        PlacementResponse.objects.create(
            session=session,
            position=position,
            version=version,
            choice=choice,
            dont_know=dont_know,
            correct=correct,
            pretest=bool(bank.items.is_pretest[index]),
            answered_at=now,
        )
        state = engine.record(state, index, correct)
        session.items_answered = len(state.items)
        _advance(session, state, bank, np.random.default_rng())
        session.save()
    return session


def answered_count(session: PlacementSession) -> int:
    """Questions answered so far, scored and pretest, read from the engine state."""
    return len(session.engine_state["items"]) + len(session.engine_state["pretest_items"])


def session_pause(*, session: PlacementSession, now: dt.datetime | None = None) -> PlacementSession:
    """Pause and stop the clock (a session already out of time is not paused)."""
    now = now or timezone.now()
    if session.status == PlacementSession.Status.IN_PROGRESS and now < session.deadline_at:
        session.status = PlacementSession.Status.PAUSED
        session.paused_at = now
        session.save(update_fields=["status", "paused_at"])
    return session


def session_resume(
    *, session: PlacementSession, now: dt.datetime | None = None
) -> PlacementSession:
    """Carry on after a pause, with the time that was left when it began."""
    with transaction.atomic():
        session = PlacementSession.objects.select_for_update().get(pk=session.pk)
        if session.status == PlacementSession.Status.PAUSED:
            _resume(session, now or timezone.now())
            session.save(update_fields=["status", "paused_at", "deadline_at"])
    return session


def _resume(session: PlacementSession, now: dt.datetime) -> None:
    if session.paused_at is not None and now > session.paused_at:
        session.deadline_at += now - session.paused_at
    session.status = PlacementSession.Status.IN_PROGRESS
    session.paused_at = None


def _finish(
    session: PlacementSession,
    state: engine.SessionState,
    bank: PlacementBank,
    *,
    expired: bool = False,
) -> None:
    outcome = engine.result(state)
    session.engine_state = state.to_dict()
    session.current_version = None
    session.current_option_order = []
    session.finished_at = timezone.now()
    session.items_answered = outcome.n_items
    session.theta = outcome.theta
    session.standard_error = outcome.standard_error
    too_short = outcome.n_items < state.config.min_items
    session.status = (
        PlacementSession.Status.EXPIRED
        if expired and too_short
        else PlacementSession.Status.FINISHED
    )
    if session.status == PlacementSession.Status.EXPIRED:
        return
    session.level_rank = outcome.level
    session.level = Level.objects.filter(framework=session.framework, rank=outcome.level).first()
    session.near_next_level = outcome.near
    # Confidence in the award: P(θ ≥ the awarded level's cut), or of being below the first.
    at_least = outcome.prob_at_least
    session.confidence = at_least[outcome.level - 1] if outcome.level else 1.0 - at_least[0]
    session.area_profile = _area_profile(session, bank)
    session.certificate_eligible = outcome.level > 0 and not session.assisted


def _area_profile(session: PlacementSession, bank: PlacementBank) -> dict[str, dict[str, int]]:
    area_of = {
        int(i): bank.areas[int(a)] for i, a in zip(bank.items.ids, bank.items.area, strict=True)
    }
    profile: dict[str, dict[str, int]] = {}
    for version_id, correct in session.responses.filter(pretest=False).values_list(
        "version_id", "correct"
    ):
        area = area_of.get(version_id)
        if area is None:
            continue
        row = profile.setdefault(area, {"answered": 0, "correct": 0})
        row["answered"] += 1
        row["correct"] += int(correct)
    return profile


def area_strengths(profile: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    """(strong areas, areas to learn next), by the share answered correctly."""
    strong = [
        a
        for a, r in profile.items()
        if r["answered"] and r["correct"] / r["answered"] >= STRONG_SHARE
    ]
    weak = [a for a in profile if a not in strong]
    return strong, weak
