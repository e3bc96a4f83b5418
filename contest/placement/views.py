"""Placement pages: one question per screen with big buttons and "Tôi không biết",
pause and resume, a result with its confidence and what to learn next; and the
kiosk flow, where a volunteer registers a resident and hands over the tablet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.languages import active_language, participant_language_choose
from community.services import PARTICIPANT_SESSION_KEY, participant_identify
from contest.asynchronous.accessible_time import extra_time_grant
from contest.asynchronous.forms import choice_from_post
from contest.asynchronous.presentation import shown_question
from contest.placement import services
from contest.placement.forms import KioskRegisterForm, PlacementIdentifyForm
from contest.placement.models import PlacementSession
from contest.practice.warm_up import warm_up
from frontend_templates.languages import (
    language_after_identify,
    language_cookie_set,
    language_on_shared_device,
)
from question_banks.models import Competence

WARM_UP_KEY = "placement_warm_up"  # the session token whose warm-up question is due


def placement_home(request: HttpRequest) -> HttpResponse:
    form = PlacementIdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = _register_and_start(request, form, mode=PlacementSession.Mode.SELF)
        if session is not None:
            if services.answered_count(session) == 0:
                request.session[WARM_UP_KEY] = session.token
            response = redirect("placement_question", token=session.token)
            language_after_identify(request, response, session.participant)
            return response
    return render(request, "contest/placement/home.html", {"form": form})


@login_required
@permission_required("community.add_participant", raise_exception=True)
def kiosk(request: HttpRequest) -> HttpResponse:
    form = KioskRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = _register_and_start(
            request,
            form,
            mode=PlacementSession.Mode.KIOSK,
            assisted=form.cleaned_data["assisted"],
        )
        if session is not None:
            response = redirect("placement_handover", token=session.token)
            language = form.cleaned_data["language"]
            if language:  # asked and chosen for the resident: their choice, remembered
                participant_language_choose(
                    participant_id=session.participant_id, language=language
                )
                language_cookie_set(response, language)
            else:
                language_on_shared_device(request, response, session.participant)
            return response
    recent = PlacementSession.objects.filter(volunteer_id=request.user.pk).select_related(
        "participant", "level"
    )[:10]
    return render(request, "contest/placement/kiosk.html", {"form": form, "recent": recent})


def _register_and_start(
    request: HttpRequest, form: PlacementIdentifyForm, *, mode: str, assisted: bool = False
) -> PlacementSession | None:
    data = form.cleaned_data
    try:
        participant = participant_identify(
            full_name=data["full_name"],
            phone=data["phone"] or "",
            commune_code=data["commune"].code,
            target_group=data["target_group"].code,
            birth_year=data["birth_year"],
            phone_required=mode == PlacementSession.Mode.SELF,
        )
        volunteer = request.user if isinstance(request.user, User) else None
        extra_time = data.get("extra_time")
        if extra_time is not None and extra_time != participant.extra_time_percent:
            # Before the start, so a new session's deadline carries it from the first second.
            extra_time_grant(participant=participant, percent=extra_time, actor=volunteer)
        request.session[PARTICIPANT_SESSION_KEY] = participant.pk
        return services.session_start(
            participant=participant,
            mode=mode,
            volunteer=volunteer if mode == PlacementSession.Mode.KIOSK else None,
            assisted=assisted,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
    except LookupError:
        form.add_error(None, _("Chưa có đủ câu hỏi cho nhóm đối tượng này."))
    return None


def handover(request: HttpRequest, token: str) -> HttpResponse:
    """The greeting when a volunteer hands over the tablet, with the warm-up question
    (unscored, nothing stored) the resident may try before starting."""
    session = get_object_or_404(PlacementSession.objects.select_related("participant"), token=token)
    answer = request.POST.get("warm_up", "") if request.method == "POST" else ""
    return render(
        request,
        "contest/placement/handover.html",
        {"session": session, "warm_up": warm_up(answer)},
    )


def question(request: HttpRequest, token: str) -> HttpResponse:
    session = get_object_or_404(
        PlacementSession.objects.select_related("current_version", "participant"), token=token
    )
    if request.method == "POST" and request.POST.get("action") == "pause":
        services.session_pause(session=session)
        return redirect("placement_question", token=token)
    if request.method == "POST" and "warm_up" in request.POST:
        return _warm_up_page(request, session, request.POST["warm_up"])
    if request.method == "POST":  # an answer, or "begin" after the warm-up: it is over
        request.session.pop(WARM_UP_KEY, None)
    if request.method == "POST" and request.POST.get("action") == "begin":
        return redirect("placement_question", token=token)
    error = ""
    if request.method == "POST":
        version = session.current_version
        position = int(request.POST.get("position", "0") or 0)
        dont_know = request.POST.get("action") == "dont_know"
        choice = (
            []
            if version is None
            else choice_from_post(request, version.type, session.current_option_order)
        )
        try:
            session = services.session_answer(
                session=session, position=position, choice=choice, dont_know=dont_know
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("placement_question", token=token)
    if not session.is_active:
        return redirect("placement_result", token=token)
    if session.status == PlacementSession.Status.PAUSED:
        return render(request, "contest/placement/paused.html", {"session": session})
    position = services.answered_count(session) + 1
    if position == 1 and request.session.get(WARM_UP_KEY) == token:
        return _warm_up_page(request, session, "")
    version = session.current_version
    assert version is not None
    item = shown_question(
        version,
        session.current_option_order,
        position=position,
        chosen=[],
        language=active_language(),
    )
    return render(
        request,
        "contest/placement/question.html",
        {"session": session, "item": item, "error": error},
    )


def result(request: HttpRequest, token: str) -> HttpResponse:
    session = get_object_or_404(
        PlacementSession.objects.select_related("participant", "level", "framework"), token=token
    )
    if session.is_active:
        return redirect("placement_question", token=token)
    strong, weak = services.area_strengths(session.area_profile)
    area_names = dict(Competence.Area.choices)
    next_level = None
    if session.level_rank is not None:
        next_level = session.framework.levels.filter(rank=session.level_rank + 1).first()
    return render(
        request,
        "contest/placement/result.html",
        {
            "session": session,
            "strong": [area_names.get(a, a) for a in strong],
            "weak": [area_names.get(a, a) for a in weak],
            "next_level": next_level,
            "confidence_pct": round(100 * (session.confidence or 0)),
        },
    )


def _warm_up_page(request: HttpRequest, session: PlacementSession, answer: str) -> HttpResponse:
    return render(
        request,
        "contest/placement/warm_up.html",
        {"session": session, "warm_up": warm_up(answer)},
    )


@require_POST
def resume(request: HttpRequest, token: str) -> HttpResponse:
    session = get_object_or_404(PlacementSession, token=token)
    if session.status == PlacementSession.Status.PAUSED:
        services.session_resume(session=session)
        messages.success(request, _("Tiếp tục bài kiểm tra."))
    return redirect("placement_question", token=token)
