"""Shared helpers for the browser tests of the participant pages (accessibility,
page weight, 3G): Debian's Chromium on a 360 px phone, and each participant page
prepared with just the data it needs.

A test module uses it like this::

    from tests import browser_support

    pytestmark = browser_support.BROWSER_MARKS
    chromium = browser_support.chromium  # the fixtures, made visible to pytest
    phone = browser_support.phone

    @pytest.mark.django_db(transaction=True)
    def test_x(live_server, phone):
        url = browser_support.prepare_page("contest_question", phone, live_server.url).url
        page = phone.new_page()
        page.goto(url)
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREEN_WIDTH = 360
PHONE = {
    "viewport": {"width": SCREEN_WIDTH, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "vi-VN",
}
MIN_TOUCH_TARGET = 44  # CSS px (WCAG 2.5.5 AAA, Apple HIG; 2.5.8 AA asks only 24)
TIMEOUT_MS = 20_000  # generous: the machine running the suite may be busy

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


@contextmanager
def watched_page(device: dict[str, Any], monkeypatch: Any) -> Iterator[tuple[Any, list[str]]]:
    """A fresh Chromium page with `device` settings, and the page and console errors it
    logs (a missing favicon aside). Closes the extra database connection Django opens
    for the test while Playwright's event loop sits on this thread."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop on this thread between calls, which
    # Django's async-safety check mistakes for async code; the ORM here is plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(**device)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

            def console(msg: Any) -> None:
                if msg.type == "error" and not msg.location.get("url", "").endswith("favicon.ico"):
                    problems.append(f"console: {msg.text} at {msg.location}")

            page.on("console", console)
            yield page, problems
            context.close()
        finally:
            browser.close()
            connections.close_all()


CONTEST_SLUG = "thi-khong-ai-bi-bo-lai"
CONTEST_QUESTIONS = 5


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for a test module (each test gets its own context)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop on this thread between calls, which
    # Django's async-safety check mistakes for async code; the ORM here is plain sync.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
        connections.close_all()


@pytest.fixture
def phone(chromium: Any, settings: Any) -> Iterator[Any]:
    """A fresh browser context (empty cache, no cookies) sized like a cheap phone.

    Rate-limit counters live in the cache (Redis in CI, shared with every other
    process): a fresh key prefix gives the test its own counters."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"browser-{uuid.uuid4().hex[:12]}"}
        for alias, config in settings.CACHES.items()
    }
    context = chromium.new_context(**PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()
        # While Playwright runs, Django sees an event loop on this thread and gives the
        # test its own connection; close it, or the test database cannot be dropped.
        connections.close_all()


@dataclass
class PreparedPage:
    url: str
    # What the page is about, once loaded: the question text on question pages.
    main_text: str = "main h1"
    # Something a person does after the GET to reach this state (a form post).
    then: Callable[[Any], None] | None = None


# The participant pages, in the order a person meets them.
PARTICIPANT_PAGES = [
    "home",
    "contest",
    "contest_identify",
    "contest_question",
    "contest_submit",
    "contest_result",
    "practice",
    "practice_question",
    "practice_feedback",
    "practice_summary",
    "placement",
    "placement_question",
    "placement_paused",
    "placement_result",
    "verify",
    "verify_verdict",
    "verify_offline",
    "certificate_lookup",
]
# Other states of a page above (feedback shown, paused, a verdict): audited for
# accessibility, but they weigh what their page weighs, so not weighed again.
STATES = {"practice_feedback", "placement_paused", "verify_verdict"}


def prepare_page(name: str, context: Any, base_url: str) -> PreparedPage:
    """Make the data `name` needs (and the session cookie, for practice pages)."""
    return _PREPARE[name](context, base_url)


def _contest_attempt(*, answered: int, submitted: bool = False) -> Any:
    from contest.asynchronous import services
    from contest.asynchronous.models import Contest
    from tests.contest_fixtures import key_choice, open_contest, person, publish_bank

    publish_bank(12, prefix="a11y")
    contest = open_contest(
        slug=CONTEST_SLUG,
        questions_per_attempt=CONTEST_QUESTIONS,
        answer_policy=Contest.AnswerPolicy.AFTER_SUBMIT,
        prediction_kind=Contest.PredictionKind.PARTICIPANTS,
        prediction_prompt="Bao nhiêu người sẽ tham gia cuộc thi?",
        description="Tìm hiểu kỹ năng số cho mọi người dân.",
        rules_text="Mỗi người thi một lần.",
    )
    attempt = services.attempt_start(contest=contest, participant=person())
    for question in attempt.questions.order_by("position")[:answered]:
        services.answer_save(
            attempt=attempt, position=question.position, choice=key_choice(question)
        )
    if submitted:
        attempt = services.attempt_submit(attempt=attempt, prediction=120)
    return attempt


def _home(context: Any, base: str) -> PreparedPage:
    return PreparedPage(f"{base}/")


def _contest(context: Any, base: str) -> PreparedPage:
    from tests.contest_fixtures import open_contest

    open_contest(slug=CONTEST_SLUG, description="Tìm hiểu kỹ năng số cho mọi người dân.")
    return PreparedPage(f"{base}/thi/{CONTEST_SLUG}/")


def _contest_identify(context: Any, base: str) -> PreparedPage:
    from tests.contest_fixtures import open_contest

    open_contest(slug=CONTEST_SLUG)
    return PreparedPage(f"{base}/thi/{CONTEST_SLUG}/dang-ky/")


def _contest_question(context: Any, base: str) -> PreparedPage:
    attempt = _contest_attempt(answered=1)
    return PreparedPage(f"{base}/bai-thi/{attempt.token}/cau/2/", main_text="legend.q-stem")


def _contest_submit(context: Any, base: str) -> PreparedPage:
    attempt = _contest_attempt(answered=CONTEST_QUESTIONS - 1)
    return PreparedPage(f"{base}/bai-thi/{attempt.token}/nop-bai/")


def _contest_result(context: Any, base: str) -> PreparedPage:
    attempt = _contest_attempt(answered=CONTEST_QUESTIONS - 1, submitted=True)
    return PreparedPage(f"{base}/bai-thi/{attempt.token}/ket-qua/")


def _practice(context: Any, base: str) -> PreparedPage:
    from tests.contest_fixtures import publish_bank

    publish_bank(12, prefix="a11y")
    return PreparedPage(f"{base}/luyen-tap/")


def _practice_state(context: Any, base: str, *, answered: bool, finished: bool) -> None:
    """A practice round in the person's session, as /luyen-tap/bat-dau/ would make it."""
    from contest.practice.session import practice_start
    from question_banks.models import Option
    from tests.contest_fixtures import publish_bank

    publish_bank(12, prefix="a11y")
    state = practice_start(target_group="", tag="", rng=random.Random(7))
    assert state is not None
    if answered or finished:
        wrong = Option.objects.filter(version_id=state.version_ids[0], is_correct=False).first()
        assert wrong is not None
        state.answered, state.results, state.last_choice = True, [False], [wrong.pk]
    if finished:
        state.results = [i % 3 != 0 for i in range(len(state.version_ids))]
        state.position, state.answered = len(state.version_ids), False
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["practice"] = state.to_dict()
    store.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": base}]
    )


def _practice_question(context: Any, base: str) -> PreparedPage:
    _practice_state(context, base, answered=False, finished=False)
    return PreparedPage(f"{base}/luyen-tap/cau-hoi/", main_text="legend.q-stem")


def _practice_feedback(context: Any, base: str) -> PreparedPage:
    _practice_state(context, base, answered=True, finished=False)
    return PreparedPage(f"{base}/luyen-tap/cau-hoi/", main_text="legend.q-stem")


def _practice_summary(context: Any, base: str) -> PreparedPage:
    _practice_state(context, base, answered=False, finished=True)
    return PreparedPage(f"{base}/luyen-tap/tong-ket/")


def _placement(context: Any, base: str) -> PreparedPage:
    return PreparedPage(f"{base}/xep-muc/")


def _placement_session() -> Any:
    from contest.placement import services
    from tests.contest_fixtures import person, publish_bank

    publish_bank(40, prefix="place")
    return services.session_start(participant=person(birth_year=1968))


def _placement_question(context: Any, base: str) -> PreparedPage:
    session = _placement_session()
    return PreparedPage(f"{base}/xep-muc/{session.token}/", main_text="legend.q-stem")


def _placement_paused(context: Any, base: str) -> PreparedPage:
    from contest.placement import services

    session = services.session_pause(session=_placement_session())
    return PreparedPage(f"{base}/xep-muc/{session.token}/")


def _placement_result(context: Any, base: str) -> PreparedPage:
    from contest.placement import services
    from contest.placement.models import PlacementSession

    session = _placement_session()
    for position in range(1, 31):
        session = PlacementSession.objects.select_related("current_version").get(pk=session.pk)
        if not session.is_active:
            break
        version = session.current_version
        assert version is not None
        key = [o.pk for o in version.options.all() if o.is_correct]
        # Mostly right, with a few misses: a level, strong areas and areas to learn.
        session = services.session_answer(
            session=session, position=position, choice=key, dont_know=position % 4 == 0
        )
    assert not session.is_active
    return PreparedPage(f"{base}/xep-muc/{session.token}/ket-qua/")


def _verify(context: Any, base: str) -> PreparedPage:
    return PreparedPage(f"{base}/xac-minh/")


def _verify_verdict(context: Any, base: str) -> PreparedPage:
    def paste_a_bad_code(page: Any) -> None:
        page.get_by_label("Dán nội dung mã QR (bắt đầu bằng LC1:)").fill("LC1:KHONGHOPLE")
        with page.expect_navigation():
            page.get_by_role("button", name="Kiểm tra").click()

    return PreparedPage(f"{base}/xac-minh/", main_text=".verdict h2", then=paste_a_bad_code)


def _verify_offline(context: Any, base: str) -> PreparedPage:
    from certification import keys

    # The page fetches the trust list at once; without the province's keys the server
    # answers 503 and the script retries, so the load never settles.
    keys.ensure_keys()
    return PreparedPage(f"{base}/xac-minh/ngoai-tuyen/")


def _certificate_lookup(context: Any, base: str) -> PreparedPage:
    return PreparedPage(f"{base}/chung-nhan/tra-cuu/")


_PREPARE: dict[str, Callable[[Any, str], PreparedPage]] = {
    "home": _home,
    "contest": _contest,
    "contest_identify": _contest_identify,
    "contest_question": _contest_question,
    "contest_submit": _contest_submit,
    "contest_result": _contest_result,
    "practice": _practice,
    "practice_question": _practice_question,
    "practice_feedback": _practice_feedback,
    "practice_summary": _practice_summary,
    "placement": _placement,
    "placement_question": _placement_question,
    "placement_paused": _placement_paused,
    "placement_result": _placement_result,
    "verify": _verify,
    "verify_verdict": _verify_verdict,
    "verify_offline": _verify_offline,
    "certificate_lookup": _certificate_lookup,
}
assert list(_PREPARE) == PARTICIPANT_PAGES
