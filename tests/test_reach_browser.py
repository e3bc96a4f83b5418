"""The pages added for reach (the warm-up questions, questions shown translated),
audited like every participant page (see test_accessibility.py): axe-core finds no
serious or critical WCAG 2.2 AA problem, touch targets are 44 px, and text at 200%
still fits a 360 px phone. Also: the language switch and the Vietnamese original
open with a tap, no script needed."""

from __future__ import annotations

from typing import Any

import pytest

from contest.asynchronous import services
from contest.placement import services as placement
from question_banks.models import Translation
from tests import browser_support
from tests.browser_support import BROWSER_MARKS
from tests.contest_fixtures import open_contest, person, publish_bank
from tests.test_accessibility import _axe_problems, _problems_at_double_text, _small_targets
from tests.test_accessibility import axe_script as axe_script  # a fixture, shared

pytestmark = BROWSER_MARKS
chromium = browser_support.chromium
phone = browser_support.phone


def _session_cookie(context: Any, base: str, **values: Any) -> None:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(values)
    store.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": base}]
    )


def _translated_bank(size: int, prefix: str, language: str = "hmn") -> None:
    for version in publish_bank(size, prefix=prefix):
        options = [f"[{language}] {o.text}" for o in version.options.order_by("position")]
        Translation.objects.create(
            version=version,
            language=language,
            stem=f"[{language}] {version.stem}",
            options=options,
            review_state=Translation.ReviewState.REVIEWED,
        )


def _contest_warm_up(context: Any, base: str) -> tuple[str, str]:
    publish_bank(12, prefix="warm")
    contest = open_contest(slug="lam-quen")
    _session_cookie(context, base, participant_id=person().pk)
    return f"{base}/thi/{contest.slug}/bat-dau/", "legend.q-stem"


def _placement_warm_up(context: Any, base: str) -> tuple[str, str]:
    publish_bank(40, prefix="place")
    session = placement.session_start(participant=person(birth_year=1968))
    _session_cookie(context, base, placement_warm_up=session.token)
    return f"{base}/xep-muc/{session.token}/", "legend.q-stem"


def _translated_contest_question(context: Any, base: str) -> tuple[str, str]:
    _translated_bank(12, "dich")
    contest = open_contest(slug="ban-dich")
    attempt = services.attempt_start(contest=contest, participant=person())
    context.add_cookies([{"name": "django_language", "value": "hmn", "url": base}])
    return f"{base}/bai-thi/{attempt.token}/cau/1/", "legend.q-stem"


def _translated_placement_question(context: Any, base: str) -> tuple[str, str]:
    _translated_bank(40, "place")
    session = placement.session_start(participant=person(birth_year=1968))
    context.add_cookies([{"name": "django_language", "value": "hmn", "url": base}])
    return f"{base}/xep-muc/{session.token}/", "legend.q-stem"


PAGES = {
    "contest_warm_up": _contest_warm_up,
    "placement_warm_up": _placement_warm_up,
    "translated_contest_question": _translated_contest_question,
    "translated_placement_question": _translated_placement_question,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(PAGES))
def test_the_new_pages_leave_no_one_behind(live_server, phone, axe_script, name) -> None:
    url, main = PAGES[name](phone, live_server.url)
    page = phone.new_page()
    response = page.goto(url)
    assert response is not None and response.ok
    page.locator(main).first.wait_for()
    # Open every disclosure (the language switch, the Vietnamese original) by tapping.
    for summary in page.locator("summary").all():
        summary.tap()
    problems = _axe_problems(page, axe_script) + _small_targets(page)
    problems += _problems_at_double_text(page, main)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


@pytest.mark.django_db(transaction=True)
def test_a_tap_opens_the_vietnamese_original_and_another_the_language_list(
    live_server, phone
) -> None:
    from playwright.sync_api import expect

    url, _main = _translated_contest_question(phone, live_server.url)
    page = phone.new_page()
    page.goto(url)
    stem = page.locator("legend.q-stem")
    expect(stem).to_have_attribute("lang", "hmn")
    expect(stem).to_contain_text("[hmn] Câu hỏi số")
    original = page.locator("details.original p strong")
    expect(original).to_be_hidden()
    page.get_by_text("Saib lus Nyab Laj").tap()
    expect(original).to_be_visible()
    assert original.first.get_attribute("lang") is None  # inherits lang="vi" from its box
    assert page.locator("details.original div").get_attribute("lang") == "vi"
    expect(page.get_by_role("button", name="Tiếng Việt")).to_be_hidden()
    page.locator("details.lang summary").tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếng Việt").tap()
    expect(stem).to_have_attribute("lang", "vi")
    expect(stem).not_to_contain_text("[hmn]")
