"""Taking part in a contest on a phone, in a real browser (Debian's Chromium).

A 360×740 touch screen opens the contest, registers, answers every question by
tapping (the page's small script saves each tap, and says so), reloads half-way
and finds its answer still chosen, submits and sees its score.
"""

from __future__ import annotations

import time
import uuid

import pytest

from contest.asynchronous import services
from contest.asynchronous.models import Attempt, AttemptAnswer, AttemptQuestion, Contest
from tests.browser_support import CHROMIUM, PHONE, SCREEN_WIDTH, TIMEOUT_MS, watched_page
from tests.contest_fixtures import key_choice, open_contest, person, publish_bank, wrong_choice

MIN_TOUCH_TARGET = 44  # CSS px (WCAG 2.5.5, Apple HIG); the choice rows are 56

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]

QUESTIONS = 5
RELOAD_AT = 3
WRONG_AT = {2, 5}  # answered wrongly on purpose, so the score is 3/5


@pytest.fixture
def browser_page(monkeypatch):
    with watched_page(PHONE, monkeypatch) as watched:
        yield watched


@pytest.fixture
def isolated_rate_limits(settings) -> None:
    """Rate-limit counters live in the cache (Redis in CI, shared with every other
    process): a fresh key prefix gives this test its own counters."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"browser-{uuid.uuid4().hex[:12]}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.mark.django_db(transaction=True)
def test_a_phone_takes_part_from_the_contest_page_to_the_score(
    live_server, browser_page, isolated_rate_limits
) -> None:
    from playwright.sync_api import expect

    page, problems = browser_page
    publish_bank(12, prefix="phone")
    contest = open_contest(
        slug="thi-tren-dien-thoai",
        questions_per_attempt=QUESTIONS,
        answer_policy=Contest.AnswerPolicy.AFTER_SUBMIT,
    )

    page.goto(f"{live_server.url}/thi/{contest.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(contest.title)
    page.get_by_role("link", name="Tham gia dự thi").tap()

    expect(page).to_have_url(f"{live_server.url}/thi/{contest.slug}/dang-ky/")
    page.get_by_label("Họ và tên").fill("Lò Thị Sáu")
    page.get_by_label("Số điện thoại").fill("0978 123 456")
    page.get_by_label("Xã, phường nơi bạn sống").select_option("02647")
    page.get_by_label("Bạn là").select_option("resident")
    page.get_by_role("button", name="Vào thi").tap()

    # The unscored warm-up question first: try an answer, then start (the clock with it).
    page.wait_for_url(f"**/thi/{contest.slug}/bat-dau/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Câu hỏi làm quen")
    assert not Attempt.objects.filter(contest=contest).exists()
    page.locator("label.choice", has_text="Điện thoại").tap()
    page.get_by_role("button", name="Trả lời thử").tap()
    expect(page.get_by_role("status")).to_contain_text("Bạn đã chọn: Điện thoại.")
    page.get_by_role("button", name="Bắt đầu làm bài").tap()

    page.wait_for_url("**/bai-thi/*/cau/1/")
    attempt = Attempt.objects.get(contest=contest)
    assert attempt.participant.full_name == "Lò Thị Sáu"
    token = attempt.token

    for position in range(1, QUESTIONS + 1):
        assert page.url == f"{live_server.url}/bai-thi/{token}/cau/{position}/"
        expect(page.locator(".attempt-bar")).to_contain_text(f"Câu {position}/{QUESTIONS}")
        question = AttemptQuestion.objects.get(attempt=attempt, position=position)
        choice = wrong_choice(question) if position in WRONG_AT else key_choice(question)
        (option_id,) = choice

        # Every answer row is a thumb-sized target, and nothing scrolls sideways.
        rows = page.locator("label.choice")
        expect(rows).to_have_count(len(question.option_order))
        for i in range(rows.count()):
            box = rows.nth(i).bounding_box()
            assert box is not None
            assert box["height"] >= MIN_TOUCH_TARGET, f"câu {position}, phương án {i + 1}: {box}"
        assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN_WIDTH

        state = page.locator(".save-state")
        expect(state).to_have_text("")  # nothing saved yet for this question
        page.locator(f"label.choice:has(input[value='{option_id}'])").tap()
        expect(page.locator(f"input[name=choice][value='{option_id}']")).to_be_checked()
        expect(state).to_have_text("Đã lưu")  # the script's save came back 200
        assert AttemptAnswer.objects.get(question=question).choice == choice

        if position == RELOAD_AT:
            # Half-way the phone reloads (a dropped signal, a slip of the thumb):
            # the server renders the saved answer as chosen, and marks it saved.
            page.reload()
            expect(page.locator(f"input[name=choice][value='{option_id}']")).to_be_checked()
            expect(page.locator("input[name=choice]:checked")).to_have_count(1)
            expect(state).to_have_text("Đã lưu")
            expect(page.locator("nav.positions a.done")).to_have_count(RELOAD_AT)

        page.get_by_role("button", name="Lưu và sang câu sau").tap()
        if position < QUESTIONS:
            page.wait_for_url(f"**/bai-thi/{token}/cau/{position + 1}/")

    page.wait_for_url(f"**/bai-thi/{token}/nop-bai/")
    expect(page.locator(".msg")).to_have_count(0)  # no "còn câu chưa trả lời"
    submit = page.get_by_role("button", name="Nộp bài")
    submit_box = submit.bounding_box()
    assert submit_box is not None and submit_box["height"] >= MIN_TOUCH_TARGET
    page.get_by_label("Tôi đã làm xong và muốn nộp bài").check()
    submit.tap()

    page.wait_for_url(f"**/bai-thi/{token}/ket-qua/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bạn đã nộp bài")
    score = QUESTIONS - len(WRONG_AT)
    expect(page.locator("p.big")).to_have_text(f"Điểm: {score}/{QUESTIONS}")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.score == score
    assert AttemptAnswer.objects.filter(question__attempt=attempt).count() == QUESTIONS
    assert not problems, problems


@pytest.mark.django_db(transaction=True)
def test_the_identify_form_fits_a_phone_screen(live_server, browser_page) -> None:
    page, _problems = browser_page
    contest = open_contest(slug="vua-man-hinh")
    page.goto(f"{live_server.url}/thi/{contest.slug}/dang-ky/")
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('form.stack > *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN_WIDTH
    assert widest <= SCREEN_WIDTH


@pytest.mark.django_db(transaction=True)
def test_a_slow_save_never_overwrites_a_later_tap(
    live_server, browser_page, isolated_rate_limits, monkeypatch
) -> None:
    """On a weak signal the first tap's save may arrive after the second's: the page
    must store the last tap, also when "next" is tapped while a save is on its way."""
    from playwright.sync_api import expect

    page, problems = browser_page
    publish_bank(12, prefix="slow")
    contest = open_contest(slug="song-yeu", questions_per_attempt=3)
    attempt = services.attempt_start(contest=contest, participant=person())
    first = {q.position: q.option_order for q in attempt.questions.all()}
    slow = {(1, first[1][0]), (2, first[2][0])}  # the first tap on questions 1 and 2
    original = services.answer_save

    in_flight: list[int] = []  # saves the server has received and not yet stored

    def weak_signal(*, attempt, position, choice, **kwargs):
        in_flight.append(position)
        try:
            if (position, choice[0]) in slow:
                time.sleep(1.5)
            return original(attempt=attempt, position=position, choice=choice, **kwargs)
        finally:
            in_flight.remove(position)

    def all_landed() -> None:
        give_up = time.monotonic() + 10
        while in_flight and time.monotonic() < give_up:
            time.sleep(0.05)
        assert not in_flight

    monkeypatch.setattr(services, "answer_save", weak_signal)

    def tap(option_id: int) -> None:
        page.locator(f"label.choice:has(input[value='{option_id}'])").tap()

    page.goto(f"{live_server.url}/bai-thi/{attempt.token}/cau/1/")
    tap(first[1][0])
    tap(first[1][1])  # changed their mind while the first save is still travelling
    expect(page.locator(".save-state")).to_have_text("Đã lưu", timeout=TIMEOUT_MS)
    all_landed()
    assert AttemptAnswer.objects.get(question__attempt=attempt, question__position=1).choice == [
        first[1][1]
    ]
    page.reload()
    expect(page.locator(f"input[name=choice][value='{first[1][1]}']")).to_be_checked()

    page.get_by_role("button", name="Lưu và sang câu sau").tap()
    page.wait_for_url(f"**/bai-thi/{attempt.token}/cau/2/")
    tap(first[2][0])
    tap(first[2][1])
    page.get_by_role("button", name="Lưu và sang câu sau").tap()  # before the saves return
    page.wait_for_url(f"**/bai-thi/{attempt.token}/cau/3/")
    all_landed()
    assert AttemptAnswer.objects.get(question__attempt=attempt, question__position=2).choice == [
        first[2][1]
    ]
    assert not problems, problems


@pytest.mark.django_db(transaction=True)
def test_a_busy_server_is_waited_for_and_the_save_sent_again(
    live_server, browser_page, isolated_rate_limits
) -> None:
    """A worker under overload answers 503 with Retry-After: the page waits as asked,
    sends the latest choice again, and says "saved" only once it is."""
    from playwright.sync_api import expect

    page, problems = browser_page
    publish_bank(12, prefix="busy")
    contest = open_contest(slug="may-ban", questions_per_attempt=3)
    attempt = services.attempt_start(contest=contest, participant=person())
    options = attempt.questions.get(position=1).option_order
    sent: list[float] = []

    def busy_once(route) -> None:
        sent.append(time.monotonic())
        if len(sent) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1"},
                content_type="application/json",
                body='{"error": "busy", "code": "busy"}',
            )
        else:
            route.continue_()

    page.route("**/api/v1/attempts/*/answers/", busy_once)
    page.goto(f"{live_server.url}/bai-thi/{attempt.token}/cau/1/")
    page.locator(f"label.choice:has(input[value='{options[0]}'])").tap()
    expect(page.locator(".save-state")).to_have_text("Đã lưu", timeout=TIMEOUT_MS)
    assert len(sent) == 2
    assert sent[1] - sent[0] >= 1.0  # it waited as long as it was asked to
    saved = AttemptAnswer.objects.get(question__attempt=attempt, question__position=1)
    assert saved.choice == [options[0]]
    assert [p for p in problems if "503" not in p] == []
