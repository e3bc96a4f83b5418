"""Organiser pages of live games: the list of one's games, a new game from the bank,
opening the lobby, and the host screen for the projector (driven by live-host.js
over the host websocket). Only the game's host, or a superuser, may see a game."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contest.live import services
from contest.live.forms import LiveGameForm, QuestionFilterForm
from contest.live.models import LiveGame, LivePlayer
from contest.live.views import LETTERS, SHAPES

CAN_HOST = "contest.add_livegame"


def _own_game(request: HttpRequest, key: str) -> LiveGame:
    game = get_object_or_404(LiveGame.objects.select_related("live_contest"), key=key)
    user: Any = request.user
    if game.host_id != user.pk and not user.is_superuser:
        raise PermissionDenied
    return game


@login_required
@permission_required(CAN_HOST, raise_exception=True)
def live_game_list(request: HttpRequest) -> HttpResponse:
    games = LiveGame.objects.filter(host=request.user).select_related("live_contest")  # type: ignore[misc]
    return render(request, "live/organiser/game_list.html", {"games": games[:200]})


@login_required
@permission_required(CAN_HOST, raise_exception=True)
def live_game_new(request: HttpRequest) -> HttpResponse:
    filters = QuestionFilterForm(request.GET or None)
    pool = filters.versions()
    form = LiveGameForm(request.POST or None, pool=pool)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            try:
                game = services.create_game(
                    host=request.user,
                    title=form.cleaned_data["title"],
                    versions=form.versions(),
                    scoring_mode=form.cleaned_data["scoring_mode"],
                    time_limit_seconds=form.cleaned_data["time_limit_seconds"],
                    read_seconds=form.cleaned_data["read_seconds"],
                    team_mode=form.cleaned_data["team_mode"],
                    venue=form.cleaned_data["venue"],
                    live_contest=form.live_contest(created_by=request.user),
                )
            except services.LiveError as error:
                transaction.set_rollback(True)
                form.add_error(None, error.message)
            else:
                if form.cleaned_data["venue_commune"] is not None:
                    game.venue_commune = form.cleaned_data["venue_commune"]
                    game.save(update_fields=["venue_commune"])
                messages.success(request, _("Đã tạo trò chơi. Mở phòng chờ khi sẵn sàng."))
                return redirect("live_game_detail", key=game.key)
    context = {"form": form, "filters": filters, "shown": form.shown()}
    return render(request, "live/organiser/game_form.html", context)


@login_required
@permission_required(CAN_HOST, raise_exception=True)
def live_game_detail(request: HttpRequest, key: str) -> HttpResponse:
    game = _own_game(request, key)
    questions = game.questions.select_related("version", "version__question")
    players = LivePlayer.objects.filter(game=game).order_by("rank", "joined_at")
    context = {"game": game, "questions": questions, "players": players[:500]}
    return render(request, "live/organiser/game_detail.html", context)


@login_required
@permission_required(CAN_HOST, raise_exception=True)
@require_POST
def live_game_open(request: HttpRequest, key: str) -> HttpResponse:
    """'Mở phòng chờ': the game goes into Redis (lobby), then to the host screen."""
    game = _own_game(request, key)
    if game.status == LiveGame.Status.FINISHED:
        messages.error(request, _("Trò chơi đã kết thúc."))
        return redirect("live_game_detail", key=game.key)
    if game.status == LiveGame.Status.DRAFT:
        try:
            services.run(lambda: services.open_game(game))
        except ValueError:  # opened meanwhile (a second click): its lobby is there
            LiveGame.objects.filter(pk=game.pk).update(status=LiveGame.Status.OPEN)
    return redirect("live_host", key=game.key)


@login_required
@permission_required(CAN_HOST, raise_exception=True)
def live_host(request: HttpRequest, key: str) -> HttpResponse:
    """The projector screen: lobby with PIN and QR code, questions, answers, podium."""
    game = _own_game(request, key)
    if game.status == LiveGame.Status.DRAFT:
        messages.info(request, _("Hãy mở phòng chờ trước."))
        return redirect("live_game_detail", key=game.key)
    if not services.run(lambda: _state_exists(game.key)):
        return redirect("live_game_detail", key=game.key)
    join_url = request.build_absolute_uri(reverse("live_join", args=[game.pin]))
    qr = segno.make(join_url, error="m").svg_inline(
        scale=10, border=2, dark="#000", light="#fff", omitsize=True
    )
    context = {
        "game": game,
        "join_url": join_url,
        "join_short": request.build_absolute_uri(reverse("live_pin")),
        "qr_svg": mark_safe(qr),  # noqa: S308 - segno's own SVG of our URL
        "boot": {
            "ws": f"/ws/live/{game.key}/host/",
            "players": reverse("live_host_players", args=[game.key]),
            "count": game.questions.count(),
            "shapes": SHAPES,
            "letters": LETTERS,
        },
        "texts": host_texts(),
    }
    return render(request, "live/host.html", context)


@login_required
@permission_required(CAN_HOST, raise_exception=True)
def live_host_players(request: HttpRequest, key: str) -> JsonResponse:
    """The players of a game, for the host's kick list (the lobby frames carry names only)."""
    game = _own_game(request, key)
    rows = LivePlayer.objects.filter(game=game, kicked=False).order_by("-joined_at")
    players = [
        {"player_id": p.player_id, "nickname": p.nickname, "team": p.team} for p in rows[:1000]
    ]
    return JsonResponse({"players": players})


async def _state_exists(key: str) -> bool:
    from contest.live.connection import game_store

    return await game_store().exists(key)


def host_texts() -> dict[str, str]:
    """What live-host.js says, translated here (placeholders in braces)."""
    return {
        "question": _("Câu {i}/{n}"),
        "answered": _("Đã trả lời {a} / {n}"),
        "read": _("Đọc câu hỏi"),
        "answer": _("Đáp án đúng"),
        "network": _("Đang kết nối {c} · Chậm {s} · Mất kết nối {o}"),
        "offline": _("Mất kết nối tới máy chủ, đang kết nối lại…"),
        "kick": _("Mời rời"),
        "kick_confirm": _("Mời {name} rời trò chơi?"),
        "finish_confirm": _("Kết thúc trò chơi ngay bây giờ?"),
        "last": _("Xem kết quả"),
        "next": _("Câu tiếp theo"),
        "no_players": _("Chưa có người chơi."),
        "members": _("{m} người"),
    }
