"""A live game in a real browser (Debian's Chromium) against a real daphne process.

The organiser logs in, builds a game of three bank questions and opens the lobby
on a 16:9 host screen; three phones join by PIN (one through the QR code's link,
one with a generated name), answer every question and see "Đã nhận", the reveal,
their points and the leaderboard; at the end the ranks the phones show match the
host's podium. A second test loads the play page under emulated 3G and times the
question's arrival on the phone after the host starts.

Websockets need an ASGI server, so daphne runs in a subprocess on this test's
database and on real Redis (the game's state must be shared by both processes):
only on PostgreSQL with REDIS_URL, as in CI.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from contest.live import services
from contest.live.commands import Start
from contest.live.models import LiveGame
from tests import browser_support
from tests.browser_support import CHROMIUM, PHONE, TIMEOUT_MS
from tests.contest_fixtures import publish_bank
from tests.live_support import wait_until
from tests.server_process import DaphneServer, free_port, server_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="needs PostgreSQL and REDIS_URL: daphne runs in a subprocess on the same data",
    ),
    pytest.mark.django_db(transaction=True),
]
chromium = browser_support.chromium  # one Chromium for the module
T = TypeVar("T")

PROJECTOR = {"viewport": {"width": 1280, "height": 720}, "locale": "vi-VN"}
THREE_G_BUDGET_S = 3.0
QUESTIONS = 3
# Who answers what (the test bank's key is the option "Đúng"): the final order is 1, 2, 3.
RIGHT = {"Mai": {0, 1, 2}, "Lử": {0}, "guest": set()}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """daphne on a free port, DEBUG on so static files come from the app folders."""
    port = free_port()
    env = server_env(DEBUG="1", RATE_LIMIT_SCALE="50")
    daphne = DaphneServer(port, env, tmp_path / "daphne.log")
    daphne.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        daphne.stop()
        log = daphne.log(20_000)
        print(f"daphne's log:\n{log}")  # shown when the test fails
        assert "Traceback" not in log, log


class Watched:
    """Pages that record their script errors, so a broken page fails the test."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.problems: list[str] = []

    def page(self, device: dict[str, Any]) -> Any:
        context = self.browser.new_context(**device)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("console", self._console)
        return page

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def watched(chromium: Any) -> Iterator[Watched]:
    pages = Watched(chromium)
    try:
        yield pages
    finally:
        pages.close()
        connection.close()


def _log_in(page: Any, user: Any, server: str) -> None:
    """The session cookie of a logged-in user (the server's password hasher is not the
    test's fast one, so the login form is not the way in)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server}]
    )


def _live(make: Callable[[], Awaitable[T]]) -> T:
    """services.run from another thread: Playwright's loop sits on this one."""

    def call() -> T:
        try:
            return services.run(make)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _option(page: Any, text: str) -> Any:
    return page.locator(f"#q-options button:has(.live-text:text-is('{text}'))")


def test_a_host_and_three_phones_play_a_whole_game(server, watched, dave) -> None:
    from playwright.sync_api import expect

    publish_bank(QUESTIONS, prefix="hall")

    # The organiser builds the game and opens the lobby on the projector.
    host = watched.page(PROJECTOR)
    _log_in(host, dave, server)
    host.goto(f"{server}/to-chuc/truc-tiep/moi/")
    host.get_by_label("Tên trò chơi").fill("Đố vui ngày hội 10/10")
    host.get_by_label("Thời gian đọc câu hỏi (giây)").fill("1")
    for i in range(QUESTIONS):
        host.get_by_label(f"Câu hỏi số {i}?").check()
    host.get_by_role("button", name="Tạo trò chơi").click()
    host.get_by_role("button", name="Mở phòng chờ").click()
    host.wait_for_url("**/trinh-chieu/*/")
    game = LiveGame.objects.get()
    expect(host.locator(".host-bigpin")).to_have_text(f"{game.pin[:3]}\xa0{game.pin[3:]}")
    expect(host.locator(".host-qr svg")).to_be_visible()

    # Three phones: by PIN, by PIN with a generated name, and by the QR code's link.
    phones: dict[str, Any] = {}
    for name in ("Mai", "Lử", "guest"):
        phone = watched.page(PHONE)
        if name == "guest":
            phone.goto(f"{server}/choi/{game.pin}/")
            phone.get_by_role("link", name="Chọn tên ngẫu nhiên").click()
            generated = phone.get_by_label("Biệt danh của bạn").input_value()
            assert generated
        else:
            phone.goto(f"{server}/choi/")
            phone.get_by_label("Nhập mã PIN trên màn hình lớn").fill(game.pin)
            phone.get_by_role("button", name="Vào", exact=True).click()
            phone.get_by_label("Biệt danh của bạn").fill(name)
        phone.get_by_role("button", name="Vào chơi").click()
        expect(phone.get_by_role("heading", name="Bạn đã vào phòng chờ")).to_be_visible()
        phones[name] = phone
    nickname = {"Mai": "Mai", "Lử": "Lử", "guest": generated}

    # A fourth phone joins with a name the host does not want on the screen: kicked.
    rude = watched.page(PHONE)
    rude.goto(f"{server}/choi/{game.pin}/")
    rude.get_by_label("Biệt danh của bạn").fill("Khách lạ")
    rude.get_by_role("button", name="Vào chơi").click()
    expect(host.locator("#h-joined")).to_have_text("4")
    host.on("dialog", lambda dialog: dialog.accept())
    host.locator("#h-players summary").click()
    host.locator("#h-player-list li", has_text="Khách lạ").get_by_role("button").click()
    expect(rude.get_by_role("heading", name="Bạn đã được mời rời trò chơi.")).to_be_visible()
    host.locator("#h-players summary").click()
    expect(host.locator("#h-joined")).to_have_text("3")

    host.get_by_role("button", name="Bắt đầu").click()
    for i in range(QUESTIONS):
        expect(host.locator("#h-stem")).to_have_text(f"Câu hỏi số {i}?")
        expect(host.locator("#h-qno")).to_have_text(f"Câu {i + 1}/{QUESTIONS}")
        for name, phone in phones.items():
            expect(phone.locator("#q-stem")).to_have_text(f"Câu hỏi số {i}?")
            if (i, name) == (1, "Lử"):  # a reload mid-question: same player, same question
                phone.reload()
                expect(phone.locator("#q-stem")).to_have_text(f"Câu hỏi số {i}?")
                expect(phone.locator(".live-me")).to_contain_text("Lử")
            expect(phone.locator("#q-options button")).to_have_count(3)
            choice = _option(phone, "Đúng" if i in RIGHT[name] else "Sai một")
            if (i, name) == (2, "Mai"):  # the signal drops just as she answers
                expect(choice).to_be_enabled()
                phone.context.set_offline(True)
                choice.click()
                expect(phone.locator("#live-net")).to_have_text("Mất kết nối, đang kết nối lại…")
                phone.context.set_offline(False)  # back: the answer is sent again
            else:
                choice.click()
            expect(phone.locator("#q-ack")).to_have_text("Đã nhận ✓")
        # Everyone answered: the question closes at once, and the host reveals.
        expect(host.locator("#h-count")).to_have_text("Đã trả lời 3 / 3")
        host.get_by_role("button", name="Hiện đáp án").click()
        right = host.locator(".host-opt.right")
        expect(right).to_have_count(1)
        expect(right).to_contain_text("Đúng")
        expect(right.locator(".host-count")).to_have_text(str(sum(i in r for r in RIGHT.values())))
        for name, phone in phones.items():
            expect(_option(phone, "Đúng")).to_contain_text("✓ Đáp án đúng")
            result = phone.locator("#q-result")
            if i in RIGHT[name]:
                expect(result).to_contain_text("Đúng rồi! +")
            else:
                expect(result).to_have_text("Chưa đúng.")
            expect(phone.locator("#me-rank")).to_contain_text("Hạng")
        host.get_by_role("button", name="Bảng xếp hạng").click()
        expect(host.locator("#h-top li")).to_have_count(3)
        for phone in phones.values():
            expect(phone.get_by_role("heading", name="Bảng xếp hạng")).to_be_visible()
            expect(phone.locator("#board li.mine")).to_have_count(1)
        last = i == QUESTIONS - 1
        host.get_by_role("button", name="Xem kết quả" if last else "Câu tiếp theo").click()

    # The podium on the projector and the rank on each phone agree.
    podium = host.locator("#h-podium li")
    expect(podium).to_have_count(3)
    for place, name in enumerate(("Mai", "Lử", "guest"), start=1):
        expect(host.locator(f"#h-podium .place{place} .host-name")).to_have_text(nickname[name])
        expect(phones[name].locator("#final-rank")).to_contain_text(f"Bạn xếp hạng {place} với")
    # The record follows the game in the background.
    wait_until(lambda: LiveGame.objects.get(pk=game.pk).status == LiveGame.Status.FINISHED)
    wait_until(lambda: game.players.filter(rank__isnull=False).count() == 3)
    game.refresh_from_db()
    # The record kept for reports and certificates: the same ranks, the kicked one unranked.
    ranks = dict(game.players.values_list("nickname", "rank"))
    expected = {nickname["Mai"]: 1, nickname["Lử"]: 2, nickname["guest"]: 3, "Khách lạ": None}
    assert ranks == expected, "final standings not recorded in LivePlayer"
    assert not watched.problems, watched.problems


class SlowLink:
    """A TCP proxy that makes the link itself a 3G one, both ways: every chunk arrives
    `one_way_s` late, and at most `rate` bytes a second go each way. (Chromium's
    network emulation slows page loads but leaves websocket frames alone.)"""

    def __init__(self, target_port: int, *, one_way_s: float, rate: float) -> None:
        self.target_port = target_port
        self.one_way_s = one_way_s
        self.rate = rate
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()
        threading.Thread(target=self._deliver, args=(chunks, dst), daemon=True).start()
        free_at = 0.0
        while True:
            try:
                data = src.recv(16384)
            except OSError:
                data = b""
            now = time.monotonic()
            free_at = max(free_at, now) + len(data) / self.rate
            chunks.put((free_at + self.one_way_s, data))
            if not data:
                return

    def _deliver(self, chunks: queue.Queue[tuple[float, bytes]], dst: socket.socket) -> None:
        while True:
            due, data = chunks.get()
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def test_the_question_reaches_a_phone_on_3g_within_3_seconds(server, watched, dave) -> None:
    """The whole link is 3G (400 kbit/s each way, 400 ms round trip): the phone joins,
    waits in the lobby, and shows the question at most 3 s after the host starts."""
    from playwright.sync_api import expect

    from tests.live_support import make_game

    game = make_game(dave, questions=2, read_seconds=5)
    _live(lambda: services.open_game(game))
    link = SlowLink(int(server.rsplit(":", 1)[1]), one_way_s=0.2, rate=400_000 / 8)
    try:
        phone = watched.page(PHONE)
        began = time.monotonic()
        phone.goto(f"http://127.0.0.1:{link.port}/choi/{game.pin}/")
        phone.get_by_label("Biệt danh của bạn").fill("Chảo Mẩy")
        phone.get_by_role("button", name="Vào chơi").click()
        expect(phone.get_by_role("heading", name="Bạn đã vào phòng chờ")).to_be_visible()
        lobby_s = time.monotonic() - began
        # The socket is open once the page said hello and heard its snapshot.
        phone.wait_for_function("() => document.getElementById('live-net').hidden")
        phone.wait_for_timeout(1000)

        started = time.time()
        _live(lambda: services.command(game.key, Start()))
        expect(phone.locator("#q-stem")).to_have_text("Câu hỏi số 0?")
        visible_s = time.time() - started
    finally:
        link.close()
    print(
        f"\n3G phone: join page to lobby {lobby_s:.2f} s; "
        f"question visible {visible_s:.2f} s after the host started"
    )
    assert visible_s <= THREE_G_BUDGET_S
    assert not watched.problems, watched.problems
