"""The players' pages of a live game, for a cheap phone in the Zalo in-app browser.

Joining needs no script: the PIN is a GET form, the nickname a POST that joins
the game on the server, sets the player's cookie and redirects to the play page.
The play page is drawn from a snapshot on the server, then live-player.js keeps
it current over the game's websocket (protocol: contest/live/consumers.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.rate_limits import allow
from contest.live import services
from contest.live.connection import game_store
from contest.live.consumers import COOKIE_PREFIX
from contest.live.forms import JoinForm, PinForm, joinable_game
from contest.live.models import LiveGame, LivePlayer
from contest.live.moderation import generated_nickname

COOKIE_MAX_AGE = 12 * 3600  # a festival day
JOIN_LIMIT_PER_MINUTE = 300  # per address, as on the websocket: a hall shares one address
SHAPES = ("▲", "◆", "●", "■", "★", "♥")
LETTERS = "ABCDEF"


def player_texts() -> dict[str, str]:
    """What live-player.js says, translated here (placeholders in braces)."""
    return {
        "question": _("Câu {i}/{n}"),
        "read": _("Đọc câu hỏi. Sắp đến lúc trả lời."),
        "open": _("Chọn câu trả lời."),
        "open_multiple": _("Chọn tất cả đáp án đúng rồi bấm Gửi."),
        "sending": _("Đang gửi…"),
        "received": _("Đã nhận"),
        "received_first": _("Đã nhận câu trả lời đầu tiên của bạn"),
        "time_up": _("Hết giờ. Chờ công bố đáp án…"),
        "no_answer": _("Hết giờ, bạn chưa trả lời câu này."),
        "voided": _("Câu hỏi này được bỏ qua, không tính điểm."),
        "right": _("Đúng rồi! +{p} điểm"),
        "wrong": _("Chưa đúng."),
        "answer": _("Đáp án đúng"),
        "score": _("{s} điểm"),
        "rank": _("Hạng {r}"),
        "final_rank": _("Bạn xếp hạng {r} với {s} điểm."),
        "paused": _("Tạm dừng"),
        "offline": _("Mất kết nối, đang kết nối lại…"),
        "kicked": services.reject_message("kicked"),
    }


def live_pin(request: HttpRequest) -> HttpResponse:
    form = PinForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("live_join", pin=form.cleaned_data["pin"])
    status = 400 if form.is_bound else 200
    return render(request, "live/pin.html", {"form": form}, status=status)


def live_join(request: HttpRequest, pin: str) -> HttpResponse:
    """The nickname form (the QR code on the host screen points here)."""
    game = joinable_game(pin)
    if game is None:
        return _pin_refused(request, pin)
    if _player_id(request, game) is not None:
        return redirect("live_play", key=game.key)
    initial = {"nickname": generated_nickname()} if request.GET.get("ten") else {}
    return _join_page(request, game, JoinForm(game, initial=initial))


@require_POST
def live_join_submit(request: HttpRequest, pin: str) -> HttpResponse:
    game = joinable_game(pin)
    if game is None:
        return _pin_refused(request, pin)
    form = JoinForm(game, request.POST)
    if not form.is_valid():
        return _join_page(request, game, form, status=400)
    address = str(request.META.get("REMOTE_ADDR", "")) or "unknown"
    if not allow("live-join", address, limit=JOIN_LIMIT_PER_MINUTE, window_seconds=60):
        form.add_error(None, services.reject_message("rate_limited"))
        return _join_page(request, game, form, status=429)
    team, commune, school = form.team()
    nickname = form.cleaned_data["nickname"]
    try:
        outcome = services.run(
            lambda: services.join(
                game.key,
                nickname,
                team=team,
                commune_id=commune,
                school_id=school,
            )
        )
    except services.LiveError as error:
        form.add_error("nickname" if error.code.startswith("nickname") else None, error.message)
        return _join_page(request, game, form, status=400)
    except KeyError:  # the game's live state is gone (Redis emptied)
        form.add_error(None, services.reject_message("no_game"))
        return _join_page(request, game, form, status=400)
    assert outcome.player is not None
    token = services.player_token(game.key, str(outcome.player["player_id"]))
    response = redirect("live_play", key=game.key)
    response.set_cookie(
        COOKIE_PREFIX + game.key,
        token,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def live_play(request: HttpRequest, key: str) -> HttpResponse:
    game = get_object_or_404(LiveGame, key=key)
    player_id = _player_id(request, game)
    if player_id is None:
        if game.status == LiveGame.Status.OPEN:
            return redirect("live_join", pin=game.pin)
        return _message(request, _("Trò chơi đã kết thúc."), status=410)
    snapshot = services.run(lambda: _player_snapshot(game.key, player_id))
    if snapshot is None:  # no live state left: the record in the database
        return _ended_page(request, game, player_id)
    if snapshot["me"] is None:  # a cookie for a player this game does not know
        response = redirect("live_join", pin=game.pin)
        response.delete_cookie(COOKIE_PREFIX + game.key, path="/")
        return response
    boot = {
        "ws": f"/ws/live/{game.key}/play/",
        "token": request.COOKIES[COOKIE_PREFIX + game.key],
        "snapshot": snapshot,
    }
    context = {
        "game": game,
        "s": snapshot,
        "me": snapshot["me"],
        "screen": _screen(snapshot),
        "options": _options(snapshot),
        "boot": boot,
        "texts": player_texts(),
    }
    page = render(request, "live/play.html", context)
    page["Cache-Control"] = "no-store"  # a reload must show the game as it is now
    return page


# --- helpers -------------------------------------------------------------------


def _player_id(request: HttpRequest, game: LiveGame) -> str | None:
    token = request.COOKIES.get(COOKIE_PREFIX + game.key, "")
    return services.player_from_token(game.key, token) if token else None


async def _player_snapshot(key: str, player_id: str) -> dict[str, Any] | None:
    if not await game_store().exists(key):
        return None
    return await services.player_snapshot(key, player_id)


def _screen(snapshot: dict[str, Any]) -> str:
    """Which part of the play page the snapshot shows (the script redraws it live)."""
    phase = snapshot["phase_effective"]
    if snapshot["me"]["kicked"]:
        return "out"
    if phase == "finished":
        return "final"
    if phase == "leaderboard":
        return "board"
    if "question" in snapshot:
        return "question"
    return "lobby"


def _options(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    question = snapshot.get("question")
    if not question:
        return []
    return [
        {"id": o["id"], "text": o["text"], "n": i, "letter": LETTERS[i], "shape": SHAPES[i]}
        for i, o in enumerate(question["content"]["options"][: len(LETTERS)])
    ]


def _join_page(
    request: HttpRequest, game: LiveGame, form: JoinForm, *, status: int = 200
) -> HttpResponse:
    return render(request, "live/join.html", {"game": game, "form": form}, status=status)


def _pin_refused(request: HttpRequest, pin: str) -> HttpResponse:
    form = PinForm({"pin": pin})
    form.is_valid()  # fills in the reason
    return render(request, "live/pin.html", {"form": form}, status=404)


def _ended_page(request: HttpRequest, game: LiveGame, player_id: str) -> HttpResponse:
    player = LivePlayer.objects.filter(game=game, player_id=player_id).first()
    top = LivePlayer.objects.filter(game=game, kicked=False, rank__isnull=False).order_by("rank")
    context = {"game": game, "player": player, "top": top[:10], "again": reverse("live_pin")}
    return render(request, "live/ended.html", context)


def _message(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "live/message.html", {"message": message}, status=status)
