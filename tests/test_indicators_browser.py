"""The indicator pages in a real browser (Debian's Chromium), checked against the JSON
API the provincial management platform reads: a provincial officer signs in on a
projector-sized screen and reads the province dashboard, and a member of the public
opens the commune ranking on a phone. Every figure shown must be the API's, and the
ranking must show small counts as "dưới 5" and rank them together."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from certification import services as cert_services
from community.models import Commune, Volunteer
from community.roles import Role
from indicators import ranking
from tests import browser_support
from tests.indicator_fixtures import at, certificate, resident, staff

pytestmark = browser_support.BROWSER_MARKS
chromium = browser_support.chromium  # the module's Chromium, made visible to pytest

PROJECTOR = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
LAO_CAI, YEN_BAI = "02647", "04252"

ROWS_JS = """selector => Object.fromEntries([...document.querySelectorAll(selector)].map(
    tr => [tr.dataset.indicator || tr.dataset.commune, [...tr.cells].map(c => c.innerText.trim())]
))"""


@pytest.fixture
def isolated_cache(settings) -> None:
    """Cached sessions and rate-limit counters live in the cache (Redis in CI, shared
    with other processes): a fresh key prefix keeps this test's own."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"browser-{uuid.uuid4().hex[:12]}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture
def watched(chromium: Any, isolated_cache: None) -> Iterator[Any]:
    """Opens browser contexts and records the page errors of all of them."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_page(device: dict[str, Any]) -> Any:
        context = chromium.new_context(**device)
        context.set_default_timeout(browser_support.TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        return page

    open_page.problems = problems  # type: ignore[attr-defined]
    yield open_page
    for context in contexts:
        context.close()


def _people() -> None:
    """Across four communes, in Q3 2025: Phường Lào Cai 7 residents at CB2 (one later
    revoked), Phường Yên Bái 3 at CB1, and two communes 5 each at CB1 (a tie); one of
    those loses a certificate in November, so the 2025 ranking shows it as "dưới 5".
    Also 2 pupils, 2 contest participations and 2 volunteers in Phường Lào Cai."""
    others = list(
        Commune.objects.exclude(code__in=[LAO_CAI, YEN_BAI]).values_list("code", flat=True)[:2]
    )
    lao_cai = [certificate(resident(f"LC {i}", commune=LAO_CAI)) for i in range(7)]
    for i in range(3):
        certificate(resident(f"YB {i}", commune=YEN_BAI), level="CB1")
    tie = [certificate(resident(f"A {i}", commune=others[0]), level="CB1") for i in range(5)]
    for i in range(5):
        certificate(resident(f"B {i}", commune=others[1]), level="TC1", issued="2025-09-30")
    for who in (lao_cai[6], tie[0]):
        cert_services.certificate_revoke(who, actor=None, reason="Cấp nhầm", now=at("2025-11-10"))
    for i in range(2):
        certificate(resident(f"HS {i}", commune=LAO_CAI, group="student"), level="CB2")
    contestant = resident("Người thi", commune=LAO_CAI)
    for code in ("THI-1-TG", "THI-2-TG"):
        certificate(contestant, kind="participation", level="TG", code=code)
    for i in range(2):
        user = User.objects.create_user(f"tnv-{i}")
        Volunteer.objects.create(user=user, kind=Volunteer.Kind.DIGITAL_NATIVE, commune_id=LAO_CAI)


def number(text: str) -> float:
    """A figure as the Vietnamese pages write it: "12,5%", "3,5 người/TNV", "79,9 điểm %"."""
    return float(text.split()[0].rstrip("%").replace(",", "."))


def assert_value_shown(cell: str, measure: str, value: float | None, count: int) -> None:
    if value is None:
        assert cell == "—"
    elif measure == "count":
        assert cell == str(count)
    else:
        assert abs(number(cell) - value) <= 0.05 + 1e-9, (cell, value)
        assert cell.endswith("%" if measure == "percent" else "người/TNV")


def assert_row_matches(cells: list[str], item: dict[str, Any]) -> None:
    _name, count, denominator, value, target, gap = cells
    assert count == str(item["count"])
    if item["denominator"] is None:
        assert denominator in ("—", "chưa có mẫu số")
    else:
        assert denominator.split()[0] == str(item["denominator"]["value"])
        assert ("ước tính" in denominator) == item["denominator"]["is_estimate"]
    assert_value_shown(value, item["measure"], item["value"], item["count"])
    if item["target"] is None:
        assert target == "—"
    else:
        unit = "%" if item["measure"] == "percent" else ""
        assert target == f"{item['target']:.0f}{unit} ({item['target_year']})"
    if item["gap"] is None:
        assert gap == "—"
    elif item["gap"] == 0:
        assert gap == "Đã đạt"
    else:
        assert abs(number(gap) - item["gap"]) <= 0.05 + 1e-9, (gap, item["gap"])


def expected_ranks(counts: dict[str, int]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by count, with 1–4 people ranked together."""

    def key(n: int) -> float:
        return 0.5 if 0 < n < ranking.SMALL_COUNT else float(n)

    return {code: 1 + sum(key(m) > key(n) for m in counts.values()) for code, n in counts.items()}


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_and_the_public_ranking_show_the_apis_figures(live_server, watched) -> None:
    from playwright.sync_api import expect

    _people()
    staff("tinh", Role.PROVINCIAL_ADMIN)
    base = live_server.url

    # A provincial officer signs in and opens the dashboard for Q3 2025.
    page = watched(PROJECTOR)
    page.goto(f"{base}/chi-tieu/?ky=2025-Q3")
    page.get_by_label("Tên đăng nhập").fill("tinh")
    page.get_by_label("Mật khẩu").fill("pw-tinh")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/chi-tieu/?ky=2025-Q3")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quý 3 năm 2025")

    response = page.request.get(f"{base}/api/v1/indicators/?ky=2025-Q3")  # same session
    assert response.ok
    api = response.json()
    assert api["period"] == "2025-Q3" and len(api["communes"]) == 99

    shown = page.evaluate(ROWS_JS, "tr[data-indicator]")
    assert list(shown) == [item["code"] for item in api["indicators"]]
    for item in api["indicators"]:
        assert_row_matches(shown[item["code"]], item)
    by_code = {item["code"]: item["count"] for item in api["indicators"]}
    assert by_code["nguoi-dan-co-ky-nang-so-co-ban"] == 7 + 3 + 5 + 5
    assert by_code["hoc-sinh-sinh-vien"] == 2 and by_code["luot-tham-gia-cuoc-thi"] == 2

    # The table by commune: every count the API gives, in the API's indicator order.
    per_commune = page.evaluate(ROWS_JS, "tr[data-commune]")
    assert len(per_commune) == 99
    order = [item["code"] for item in api["indicators"]]
    for commune in api["communes"]:
        cells = per_commune[commune["code"]]
        assert cells[0] == commune["name"]
        shown_counts = [int(cell.split()[0]) for cell in cells[1:]]
        assert shown_counts == [commune["indicators"][code] for code in order], commune["code"]

    # The residents' page agrees with the API as well.
    page.get_by_role("link", name="Người dân trưởng thành").first.click()
    page.wait_for_url("**/chi-tieu/nhom/resident/?ky=2025-Q3")
    for code in ("nguoi-dan-xac-nhan-ky-nang-so", "nguoi-dan-co-ky-nang-so-co-ban"):
        row = page.locator(f'section[data-indicator="{code}"] tr[data-period="2025-Q3"] td.count')
        expect(row).to_have_text(str(by_code[code]))

    # Anyone opens the public ranking of 2025 on a phone, without signing in.
    year = page.request.get(f"{base}/api/v1/indicators/?ky=2025").json()
    public = watched(browser_support.PHONE)
    public.goto(f"{base}/chi-tieu/xep-hang/?ky=2025")
    expect(public.get_by_role("heading", level=1)).to_contain_text("Năm 2025")
    expect(public.locator("main")).to_contain_text("Cách xếp hạng")
    rows = public.evaluate(ROWS_JS, "tr[data-commune]")
    counts = {c["code"]: c["indicators"][ranking.RANKING_INDICATOR] for c in year["communes"]}
    assert len(rows) == len(counts) == 99
    ranks = expected_ranks(counts)
    for code, n in counts.items():
        rank, _name, count = rows[code]
        assert count == ("dưới 5" if 0 < n < ranking.SMALL_COUNT else str(n)), code
        assert int(rank) == ranks[code], code
    assert sorted(counts.values(), reverse=True)[:4] == [6, 5, 4, 3]  # as seeded above
    assert [int(r[0]) for r in rows.values()] == sorted(int(r[0]) for r in rows.values())
    assert public.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert not watched.problems, watched.problems
