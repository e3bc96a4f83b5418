"""The live game's player pages, prepared for the browser audits (accessibility, page
weight) the way tests/browser_support.py prepares the other participant pages.

The pages are served by pytest-django's live server, which speaks HTTP only: the
play page is drawn from its snapshot on the server and its websocket cannot open
there, which is what a phone sees for a moment on a weak signal anyway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.contrib.auth.models import Group, User
from django.db import connections

from community.roles import Role
from contest.live import services
from contest.live.commands import Reveal, Start
from contest.live.consumers import COOKIE_PREFIX
from contest.live.models import LiveGame
from tests.browser_support import PreparedPage
from tests.live_support import correct_option, make_game, wrong_option

T = TypeVar("T")

# In the order a player meets them; the play page in several of its states.
LIVE_PAGES = ["live_pin", "live_join", "live_play", "live_play_question", "live_play_reveal"]
# States of the play page: audited, but weighed as the play page.
LIVE_STATES = {"live_play_question", "live_play_reveal"}


def live(make: Callable[[], Awaitable[T]]) -> T:
    """services.run from another thread: Playwright's event loop sits on this one."""

    def call() -> T:
        try:
            return services.run(make)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def prepare_live_page(name: str, context: Any, base: str) -> PreparedPage:
    if name == "live_pin":
        return PreparedPage(f"{base}/choi/")
    game = _open_game()
    if name == "live_join":
        return PreparedPage(f"{base}/choi/{game.pin}/")
    player_id = _join(game, context, base, "Giàng Thị Mỷ")
    if name == "live_play":
        return PreparedPage(f"{base}/choi/tro-choi/{game.key}/")
    live(lambda: services.command(game.key, Start()))
    if name == "live_play_reveal":
        other = live(lambda: services.join(game.key, "Lò Văn Pấu")).player
        assert other is not None
        right, wrong = correct_option(game, 0), wrong_option(game, 0)
        live(lambda: services.answer(game.key, player_id, question_index=0, choice=[wrong]))
        other_id = str(other["player_id"])
        live(lambda: services.answer(game.key, other_id, question_index=0, choice=[right]))
        live(lambda: services.command(game.key, Reveal()))
    return PreparedPage(f"{base}/choi/tro-choi/{game.key}/", main_text="#q-stem")


def _open_game() -> LiveGame:
    host = User.objects.create_user("host-a11y", password="unused")
    host.groups.add(Group.objects.get(name=Role.ORGANISER.value))
    game = make_game(host, questions=2, read_seconds=0)
    live(lambda: services.open_game(game))
    return game


def _join(game: LiveGame, context: Any, base: str, nickname: str) -> str:
    outcome = live(lambda: services.join(game.key, nickname))
    assert outcome.player is not None
    player_id = str(outcome.player["player_id"])
    token = services.player_token(game.key, player_id)
    context.add_cookies([{"name": COOKIE_PREFIX + game.key, "value": token, "url": base}])
    return player_id
