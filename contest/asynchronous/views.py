"""Taking part in a contest, on a cheap phone: one question per page, every answer
saved by a plain form post (a small script also saves as you tap), a server-timed
countdown, and results per the contest's rules."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from community.languages import active_language
from community.models import Participant
from community.rate_limits import allow
from community.services import PARTICIPANT_SESSION_KEY, participant_identify
from contest.asynchronous import selectors, services
from contest.asynchronous.accessible_time import attempt_minutes
from contest.asynchronous.forms import IdentifyForm, SubmitForm, choice_from_post
from contest.asynchronous.models import Attempt, AttemptQuestion, Contest
from contest.asynchronous.presentation import (
    answers_visible,
    attempt_review,
    question_for_participant,
)
from contest.practice.warm_up import warm_up
from frontend_templates.languages import language_after_identify

SESSION_PARTICIPANT = PARTICIPANT_SESSION_KEY
DEVICE_COOKIE = "hv_device"


def client_key(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def device_hash(request: HttpRequest) -> str:
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    return hashlib.sha256(device.encode()).hexdigest() if device else ""


def contest_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    contests = Contest.objects.filter(status__in=["published", "finished"]).order_by("-opens_at")
    return render(
        request,
        "contest/contest_list.html",
        {
            "open": [c for c in contests if c.is_open(now)],
            "other": [c for c in contests if not c.is_open(now)],
        },
    )


def contest_detail(request: HttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest.objects.exclude(status="draft"), slug=slug)
    participant = _session_participant(request)
    open_attempt = None
    if participant is not None:
        open_attempt = Attempt.objects.filter(
            contest=contest, participant=participant, status=Attempt.Status.IN_PROGRESS
        ).first()
    return render(
        request,
        "contest/contest_detail.html",
        {
            "contest": contest,
            "participant": participant,
            "open_attempt": open_attempt,
            "first_time": participant is not None and _first_time(contest, participant),
            "minutes": attempt_minutes(contest, participant),
            "is_open": contest.is_open(),
            "rules": contest.rules,
        },
    )


def identify(request: HttpRequest, slug: str) -> HttpResponse:
    """Who is taking part: phone and name (pupils add school, class, code). Coming back
    with the same phone and name, from any device, resumes the open attempt."""
    contest = get_object_or_404(Contest.objects.exclude(status="draft"), slug=slug)
    form = IdentifyForm(request.POST or None, contest=contest)
    if request.method == "POST" and form.is_valid():
        if not allow("identify", client_key(request), limit=30, window_seconds=60):
            return _too_many(request)
        try:
            participant = participant_identify(
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                commune_code=form.cleaned_data["commune"].code,
                target_group=form.cleaned_data["target_group"].code,
                school_id=form.cleaned_data["school"].pk if form.cleaned_data["school"] else None,
                class_name=form.cleaned_data["class_name"],
                student_code=form.cleaned_data["student_code"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[SESSION_PARTICIPANT] = participant.pk
            response: HttpResponse = (
                redirect("contest_start", slug=slug)  # the warm-up question first
                if _first_time(contest, participant)
                else _start(request, contest, participant)
            )
            language_after_identify(request, response, participant)
            return response
    return render(request, "contest/identify.html", {"contest": contest, "form": form})


def start(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the warm-up question before the first scored one (unscored, skippable;
    the clock starts only after it). POST: the warm-up's answer (shown back, nothing
    stored), or the start itself."""
    contest = get_object_or_404(Contest.objects.exclude(status="draft"), slug=slug)
    participant = _session_participant(request)
    if participant is None:
        return redirect("contest_identify", slug=slug)
    if request.method == "POST" and "warm_up" not in request.POST:
        return _start(request, contest, participant)
    open_attempt = Attempt.objects.filter(
        contest=contest, participant=participant, status=Attempt.Status.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        return redirect(
            "attempt_question", token=open_attempt.token, position=_first_unanswered(open_attempt)
        )
    problem = services.eligibility_problem(contest, participant, timezone.now())
    if problem:
        messages.error(request, problem)
        return redirect("contest_detail", slug=slug)
    answer = request.POST.get("warm_up", "") if request.method == "POST" else ""
    return render(
        request,
        "contest/warm_up.html",
        {
            "contest": contest,
            "warm_up": warm_up(answer),
            "minutes": attempt_minutes(contest, participant),
        },
    )


def _first_time(contest: Contest, participant: Participant) -> bool:
    return not Attempt.objects.filter(contest=contest, participant=participant).exists()


def _start(request: HttpRequest, contest: Contest, participant: Participant) -> HttpResponse:
    if not allow("start", client_key(request), limit=20, window_seconds=60):
        return _too_many(request)
    try:
        attempt = services.attempt_start(
            contest=contest, participant=participant, device_hash=device_hash(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("contest_detail", slug=contest.slug)
    response = redirect(
        "attempt_question", token=attempt.token, position=_first_unanswered(attempt)
    )
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(DEVICE_COOKIE, attempt.token, max_age=365 * 86400, samesite="Lax")
    return response


def _first_unanswered(attempt: Attempt) -> int:
    question = attempt.questions.filter(answer__isnull=True).order_by("position").first()
    return question.position if question else 1


def attempt_question(request: HttpRequest, token: str, position: int) -> HttpResponse:
    attempt = _attempt_or_result(token)
    if isinstance(attempt, HttpResponse):
        return attempt
    question = get_object_or_404(
        AttemptQuestion.objects.select_related("version").prefetch_related("version__options"),
        attempt=attempt,
        position=position,
    )
    error = ""
    if request.method == "POST":
        choice = choice_from_post(request, question.version.type, question.option_order)
        try:
            services.answer_save(attempt=attempt, position=position, choice=choice)
        except ValidationError as exc:
            if exc.code == "too_late":
                messages.error(request, " ".join(exc.messages))
                return redirect("attempt_result", token=token)
            error = " ".join(exc.messages)
        else:
            going = request.POST.get("go", "next")
            total = attempt.questions.count()
            if going == "submit" or (going == "next" and position >= total):
                return redirect("attempt_submit", token=token)
            target = position - 1 if going == "previous" else position + 1
            return redirect("attempt_question", token=token, position=max(target, 1))
    answered = set(
        attempt.questions.filter(answer__isnull=False).values_list("position", flat=True)
    )
    return render(
        request,
        "contest/question.html",
        {
            "attempt": attempt,
            "contest": attempt.contest,
            "item": question_for_participant(question, language=active_language()),
            "positions": [(p, p in answered) for p in range(1, attempt.questions.count() + 1)],
            "error": error,
            "now": timezone.now(),
        },
    )


def _attempt_or_result(token: str) -> Attempt | HttpResponse:
    """The open attempt; a submitted or expired one sends the person to their result."""
    attempt = get_object_or_404(Attempt.objects.select_related("contest"), token=token)
    if attempt.is_open and timezone.now() >= attempt.deadline_at:
        attempt = services.attempt_submit(attempt=attempt, auto=True)
    if not attempt.is_open:
        return redirect("attempt_result", token=token)
    return attempt


def attempt_submit(request: HttpRequest, token: str) -> HttpResponse:
    attempt = _attempt_or_result(token)
    if isinstance(attempt, HttpResponse):
        return attempt
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.attempt_submit(attempt=attempt, prediction=form.cleaned_data["prediction"])
        return redirect("attempt_result", token=token)
    unanswered = attempt.questions.filter(answer__isnull=True).count()
    return render(
        request,
        "contest/submit.html",
        {"attempt": attempt, "contest": attempt.contest, "form": form, "unanswered": unanswered},
    )


def attempt_result(request: HttpRequest, token: str) -> HttpResponse:
    attempt = get_object_or_404(
        Attempt.objects.select_related("contest", "participant"), token=token
    )
    if attempt.is_open:
        if timezone.now() < attempt.deadline_at:
            return redirect("attempt_question", token=token, position=_first_unanswered(attempt))
        attempt = services.attempt_submit(attempt=attempt, auto=True)
    contest = attempt.contest
    rank = None
    if contest.results_published:
        rank = next(
            (
                r.rank
                for r in selectors.contest_ranking(contest)
                if r.entry.attempt_id == attempt.pk
            ),
            None,
        )
    return render(
        request,
        "contest/result.html",
        {
            "attempt": attempt,
            "contest": contest,
            "rank": rank,
            "review": attempt_review(attempt) if answers_visible(contest) else None,
        },
    )


def public_results(request: HttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug, results_published=True)
    ranked = selectors.contest_ranking(contest)
    names = dict(
        Participant.objects.filter(pk__in=[r.entry.participant_id for r in ranked[:100]])
        .select_related("commune")
        .values_list("pk", "full_name")
    )
    return render(
        request,
        "contest/public_results.html",
        {
            "contest": contest,
            "top": [(r, names.get(r.entry.participant_id, "")) for r in ranked[:100]],
            "collective": selectors.collective_results(contest, ranked),
            "truth": selectors.prediction_truth(contest),
        },
    )


def _session_participant(request: HttpRequest) -> Participant | None:
    pk = request.session.get(SESSION_PARTICIPANT)
    return Participant.objects.filter(pk=pk).first() if pk else None


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "contest/message.html",
        {"message": _("Có quá nhiều lượt gửi từ thiết bị này. Hãy đợi một phút rồi thử lại.")},
        status=429,
    )


def not_found() -> None:
    raise Http404
