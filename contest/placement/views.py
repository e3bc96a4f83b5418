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

from community.services import participant_identify
from contest.asynchronous.forms import choice_from_post
from contest.asynchronous.presentation import shown_question
from contest.placement import services
from contest.placement.forms import KioskRegisterForm, PlacementIdentifyForm
from contest.placement.models import PlacementSession
from question_banks.models import Competence


def placement_home(request: HttpRequest) -> HttpResponse:
    form = PlacementIdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = _register_and_start(request, form, mode=PlacementSession.Mode.SELF)
        if session is not None:
            return redirect("placement_question", token=session.token)
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
            return redirect("placement_handover", token=session.token)
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
    session = get_object_or_404(PlacementSession.objects.select_related("participant"), token=token)
    return render(request, "contest/placement/handover.html", {"session": session})


def question(request: HttpRequest, token: str) -> HttpResponse:
    session = get_object_or_404(
        PlacementSession.objects.select_related("current_version", "participant"), token=token
    )
    if request.method == "POST" and request.POST.get("action") == "pause":
        services.session_pause(session=session)
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
    version = session.current_version
    assert version is not None
    position = services.answered_count(session) + 1
    item = shown_question(version, session.current_option_order, position=position, chosen=[])
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


@require_POST
def resume(request: HttpRequest, token: str) -> HttpResponse:
    session = get_object_or_404(PlacementSession, token=token)
    if session.status == PlacementSession.Status.PAUSED:
        session.status = PlacementSession.Status.IN_PROGRESS
        session.save(update_fields=["status"])
        messages.success(request, _("Tiếp tục bài kiểm tra."))
    return redirect("placement_question", token=token)
