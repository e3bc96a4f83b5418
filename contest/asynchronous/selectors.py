"""Reading contest results: the ranking by the contest's rules, the prediction's
true figure, live counts for organisers, and collective results."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from community.models import Commune, School
from contest import ranking
from contest.asynchronous.models import Attempt, Contest

SUBMITTED = (Attempt.Status.SUBMITTED, Attempt.Status.AUTO_SUBMITTED)


def submitted_attempts(contest: Contest) -> QuerySet[Attempt]:
    return Attempt.objects.filter(contest=contest, status__in=SUBMITTED)


def prediction_truth(contest: Contest) -> int | None:
    """The figure predictions are measured against, once it can be known."""
    kind = contest.prediction_kind
    if kind == Contest.PredictionKind.PARTICIPANTS:
        return submitted_attempts(contest).values("participant").distinct().count()
    if kind == Contest.PredictionKind.ALL_CORRECT:
        perfect = submitted_attempts(contest).filter(score=F("max_score"), max_score__gt=0)
        return perfect.values("participant").distinct().count()
    if kind == Contest.PredictionKind.CUSTOM:
        return contest.prediction_truth
    return None


def contest_entries(contest: Contest) -> list[ranking.Entry]:
    rows = submitted_attempts(contest).values_list(
        "pk",
        "participant_id",
        "score",
        "started_at",
        "submitted_at",
        "prediction",
        "participant__school_id",
        "participant__commune_id",
    )
    entries = []
    for pk, participant_id, score, started, submitted, prediction, school, commune in rows:
        assert submitted is not None  # every submitted attempt has its time
        entries.append(
            ranking.Entry(
                attempt_id=pk,
                participant_id=participant_id,
                score=score or 0.0,
                duration_seconds=(submitted - started).total_seconds(),
                submitted_at=submitted,
                prediction=prediction,
                school_id=school,
                commune_code=commune,
            )
        )
    return entries


def contest_ranking(contest: Contest) -> list[ranking.Ranked]:
    return ranking.rank(contest_entries(contest), contest.rules, prediction_truth(contest))


def contest_counts(contest: Contest) -> dict[str, object]:
    """Live figures for the organiser: started, submitted, in progress, by commune and school."""
    attempts = Attempt.objects.filter(contest=contest)
    totals = attempts.aggregate(
        started=Count("participant", distinct=True),
        submitted=Count("participant", distinct=True, filter=Q(status__in=SUBMITTED)),
        in_progress=Count("pk", filter=Q(status=Attempt.Status.IN_PROGRESS)),
        flagged=Count("pk", filter=~Q(flags=[])),
    )
    by_commune = (
        attempts.values("participant__commune__full_name")
        .annotate(
            started=Count("participant", distinct=True),
            submitted=Count("participant", distinct=True, filter=Q(status__in=SUBMITTED)),
        )
        .order_by("-started", "participant__commune__full_name")
    )
    by_school = (
        attempts.filter(participant__school__isnull=False)
        .values("participant__school__name")
        .annotate(
            started=Count("participant", distinct=True),
            submitted=Count("participant", distinct=True, filter=Q(status__in=SUBMITTED)),
        )
        .order_by("-started", "participant__school__name")
    )
    return {**totals, "by_commune": list(by_commune), "by_school": list(by_school)}


def collective_results(
    contest: Contest, ranked: list[ranking.Ranked]
) -> dict[str, list[ranking.GroupResult]]:
    """Schools ranked by participation against enrolment; communes by participation
    count against the population figure where one is known (none yet: counts only)."""
    schools = {
        str(pk): (name, enrolment)
        for pk, name, enrolment in School.objects.filter(
            pk__in={r.entry.school_id for r in ranked if r.entry.school_id}
        ).values_list("pk", "name", "enrolment")
    }
    school_of = {
        r.entry.participant_id: schools[str(r.entry.school_id)][0]
        for r in ranked
        if r.entry.school_id and str(r.entry.school_id) in schools
    }
    school_denominators = {name: enrolment for name, enrolment in schools.values() if enrolment}
    commune_names = dict(Commune.objects.values_list("code", "full_name"))
    commune_of = {
        r.entry.participant_id: commune_names[r.entry.commune_code]
        for r in ranked
        if r.entry.commune_code in commune_names
    }
    return {
        "schools": ranking.collective(ranked, school_of, school_denominators),
        "communes": ranking.collective(ranked, commune_of, {}),
    }
