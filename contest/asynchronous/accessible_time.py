"""Accessible time (WCAG 2.2.1): an organiser, or a volunteer at a kiosk, grants a
person more time (×1.25, ×1.5 or ×2) for every timed test: contest attempts and
placement sessions. The grant lives on the participant, so it applies to the
attempts they start later; one made while an attempt or session is under way
extends it at once. The server's deadlines carry it: the countdown, the save
endpoint and the automatic submission all read `deadline_at`.

An attempt's extra time is added to whatever deadline it would have had, the
contest window's end included, so a person granted time who starts near the end
still gets their share. Lowering a grant never shortens a deadline already running.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from community.models import Participant
from community.services import participant_extra_time_set
from contest.asynchronous.models import Attempt, Contest
from contest.placement.services import sessions_extend


def extra_time(minutes: float, percent: int) -> dt.timedelta:
    return dt.timedelta(minutes=minutes * percent / 100)


def attempt_minutes(contest: Contest, participant: Participant | None) -> int:
    """The working time this person gets, in whole minutes, for the contest page."""
    percent = participant.extra_time_percent if participant is not None else 0
    return round(contest.duration_minutes * (100 + percent) / 100)


def attempt_deadline(
    *, contest: Contest, started_at: dt.datetime, window_end: dt.datetime, percent: int
) -> dt.datetime:
    normal = min(started_at + dt.timedelta(minutes=contest.duration_minutes), window_end)
    return normal + extra_time(contest.duration_minutes, percent)


@dataclass(frozen=True)
class Grant:
    before: int
    after: int
    attempts_extended: int
    sessions_extended: int


@transaction.atomic
def extra_time_grant(
    *,
    participant: Participant,
    percent: int,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Grant:
    """Set the person's accessible time and extend what they have under way."""
    now = now or timezone.now()
    before = participant_extra_time_set(participant=participant, percent=percent, actor=actor)
    more = percent - before
    attempts = 0
    if more > 0:
        running = Attempt.objects.select_for_update(of=("self",)).filter(
            participant=participant, status=Attempt.Status.IN_PROGRESS, deadline_at__gt=now
        )
        for attempt in running.select_related("contest"):
            attempt.deadline_at += extra_time(attempt.contest.duration_minutes, more)
            attempt.save(update_fields=["deadline_at"])
            attempts += 1
    sessions = sessions_extend(participant=participant, extra_percent=more, now=now)
    return Grant(before, percent, attempts, sessions)
