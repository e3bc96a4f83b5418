"""A placement test at a kiosk, in a real browser (Debian's Chromium).

A volunteer signs in on an 800×1280 touch tablet, registers a resident who has no
phone and hands the tablet over; the resident answers one question per screen by
tapping big buttons (and "Tôi không biết" now and then), pauses once and carries
on, and reaches a level with its confidence, and a way to hand the tablet back.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from contest.placement.models import PlacementResponse, PlacementSession
from tests.browser_support import CHROMIUM, watched_page
from tests.contest_fixtures import publish_bank

SCREEN_WIDTH = 800
TABLET = {
    "viewport": {"width": SCREEN_WIDTH, "height": 1280},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
    "locale": "vi-VN",
}
MIN_TOUCH_TARGET = 44  # CSS px (WCAG 2.5.5, Apple HIG): every button
BIG_ANSWER = 64  # the placement answer buttons are bigger still

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]

RESIDENT = "Sùng Thị Mai"
PASSWORD = "pw-tram-ho-tro"
DONT_KNOW_AT = {2, 6, 9}  # "Tôi không biết" on these questions, the key elsewhere
PAUSE_AT = 4  # paused (before answering) on this question, then resumed
MAX_STEPS = 30  # the engine stops by 25; a bounded loop fails instead of hanging


@pytest.fixture
def browser_page(monkeypatch):
    with watched_page(TABLET, monkeypatch) as watched:
        yield watched


def _volunteer() -> User:
    user = User.objects.create_user(username="tnv-tram", password=PASSWORD)
    user.groups.add(Group.objects.get(name="volunteer"))
    return user


BUTTONS_JS = """buttons => buttons.map(b => ({
    text: b.innerText.trim(),
    name: b.name,
    value: b.value,
    big: b.classList.contains("answer"),
    height: b.getBoundingClientRect().height,
}))"""


def _question_buttons(page, position: int, expected: list[tuple[str, str]]) -> None:
    """The answer buttons come in the session's order, each sending its option; every
    button of the form is a touch target, the answers big ones; nothing scrolls sideways."""
    buttons = page.locator("form.placement button").evaluate_all(BUTTONS_JS)
    choices = [(b["value"], b["text"]) for b in buttons if b["name"] == "choice"]
    assert choices == expected, f"câu {position}: {choices}"
    labels = {b["text"] for b in buttons}
    assert {"Tôi không biết", "Tạm dừng, làm tiếp sau"} <= labels, f"câu {position}: {labels}"
    for b in buttons:
        assert b["height"] >= MIN_TOUCH_TARGET, f"câu {position}, nút “{b['text']}”: {b}"
        if b["big"]:
            assert b["height"] >= BIG_ANSWER, f"câu {position}, nút “{b['text']}”: {b}"
    assert sum(b["big"] for b in buttons) == len(expected) + 1  # the answers, "Tôi không biết"
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN_WIDTH


@pytest.mark.django_db(transaction=True)
def test_a_volunteer_hands_a_tablet_to_a_resident_who_is_placed(live_server, browser_page) -> None:
    from playwright.sync_api import expect

    page, problems = browser_page
    publish_bank(40, prefix="place")
    volunteer = _volunteer()

    # The volunteer signs in and opens the kiosk page.
    page.goto(f"{live_server.url}/accounts/login/?next=/xep-muc/tram/")
    page.get_by_label("Tên đăng nhập").fill(volunteer.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").tap()
    page.wait_for_url(f"{live_server.url}/xep-muc/tram/")

    # A resident without a phone: name, birth year and commune find them again.
    page.get_by_label("Họ và tên").fill(RESIDENT)
    expect(page.get_by_label("Số điện thoại")).to_have_value("")
    page.get_by_label("Năm sinh").fill("1961")
    page.get_by_label("Xã, phường nơi bạn sống").select_option("02647")
    page.get_by_label("Bạn là").select_option("resident")
    page.get_by_role("button", name="Đăng ký và trao máy").tap()

    page.wait_for_url("**/xep-muc/*/trao-may/")
    session = PlacementSession.objects.get()
    assert page.url == f"{live_server.url}/xep-muc/{session.token}/trao-may/"
    assert (session.mode, session.volunteer_id) == ("kiosk", volunteer.pk)
    assert session.participant.phone == "" and not session.assisted
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Xin chào {RESIDENT}!")
    start = page.get_by_role("link", name="Bắt đầu làm bài")
    start_box = start.bounding_box()
    assert start_box is not None and start_box["height"] >= BIG_ANSWER
    start.tap()

    # The resident answers one question per screen.
    question_url = f"{live_server.url}/xep-muc/{session.token}/"
    result_url = f"{question_url}ket-qua/"
    page.wait_for_url(question_url)
    paused = False
    position = 0
    for position in range(1, MAX_STEPS + 1):
        expect(page.locator("main > p > strong").first).to_have_text(f"Câu {position}")
        session.refresh_from_db()
        assert session.status == "in_progress"
        version = session.current_version
        assert version is not None and version.type == "single"
        stem = page.locator("legend.q-stem")
        expect(stem).to_be_visible()
        expect(stem).to_have_text(version.stem)
        options = {o.pk: o for o in version.options.all()}
        expected = [(str(pk), options[pk].text) for pk in session.current_option_order]
        _question_buttons(page, position, expected)

        if position == PAUSE_AT and not paused:
            with page.expect_navigation():
                page.get_by_role("button", name="Tạm dừng, làm tiếp sau").tap()
            expect(page.get_by_role("heading", level=1)).to_have_text("Bài kiểm tra đang tạm dừng")
            assert page.url == question_url
            session.refresh_from_db()
            assert session.status == "paused" and session.current_version_id == version.pk
            carry_on = page.get_by_role("button", name="Làm tiếp")
            carry_on_box = carry_on.bounding_box()
            assert carry_on_box is not None and carry_on_box["height"] >= BIG_ANSWER
            with page.expect_navigation():
                carry_on.tap()
            assert page.url == question_url
            expect(page.get_by_role("status")).to_have_text("Tiếp tục bài kiểm tra.")
            paused = True
            # The same question is back, its options in the same order.
            expect(stem).to_have_text(version.stem)
            expect(page.locator("main > p > strong").first).to_have_text(f"Câu {position}")
            session.refresh_from_db()
            assert session.status == "in_progress" and session.current_version_id == version.pk
            _question_buttons(page, position, expected)

        if position in DONT_KNOW_AT:
            button = page.get_by_role("button", name="Tôi không biết")
        else:
            (key,) = [o.text for o in options.values() if o.is_correct]
            button = page.locator(".choices").get_by_role("button", name=key, exact=True)
        # A single-choice answer is sent at once: the next question, or the result.
        with page.expect_navigation():
            button.tap()
        assert PlacementResponse.objects.filter(session=session).count() == position
        if page.url == result_url:
            break
        assert page.url == question_url
    else:
        pytest.fail(f"không có kết quả sau {MAX_STEPS} câu")

    # The result: a level, how sure it is, and the tablet goes back to the volunteer.
    session.refresh_from_db()
    assert paused
    assert session.status == "finished"
    assert (session.mode, session.volunteer_id) == ("kiosk", volunteer.pk)
    assert 10 <= session.items_answered <= 25, session.items_answered
    assert session.responses.count() == position
    dont_know = PlacementResponse.objects.filter(session=session, dont_know=True)
    assert sorted(dont_know.values_list("position", flat=True)) == sorted(DONT_KNOW_AT)
    assert session.level is not None, "no level after mostly right answers"
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả kiểm tra kỹ năng số")
    expect(page.locator("main p.big")).to_have_text(session.level.name)
    confidence = round(100 * (session.confidence or 0))
    expect(page.locator("main")).to_contain_text(
        f"Sau {session.items_answered} câu hỏi, độ tin cậy của kết quả là {confidence}%."
    )
    hand_back = page.get_by_role("link", name="Trả máy cho tình nguyện viên")
    hand_back_box = hand_back.bounding_box()
    assert hand_back_box is not None and hand_back_box["height"] >= MIN_TOUCH_TARGET
    hand_back.tap()
    page.wait_for_url(f"{live_server.url}/xep-muc/tram/")
    expect(page.locator("main ul").last).to_contain_text(f"{RESIDENT} — ")
    expect(page.locator("main ul").last).to_contain_text(session.level.name)
    assert not problems, problems
