"""Light enough for a cheap phone on a weak signal.

Page weight: the bytes each participant page costs over the network in Debian's
Chromium, counted by the browser itself (DevTools' Network.loadingFinished
encodedDataLength: headers plus the body as sent, compressed or not), for the
first visit with an empty cache (HTML, CSS, JS) and for a later visit in the same
session (static files cached): at most 60 KB and 20 KB.

What is measured honestly: the HTML is gzipped by GZipMiddleware (asserted), but
the test server sends static files uncompressed (Django's staticfiles handler, not
WhiteNoise), so the measured number is an upper bound. Production's WhiteNoise
serves the gzip files that CompressedManifestStaticFilesStorage writes at
collectstatic; the estimate printed beside it swaps each static body for its gzip
size (level 9, as WhiteNoise writes it). Both must be within budget.

3G: the contest question page and the placement question page, opened with an
empty cache under emulated 3G (400 kbit/s down and up, 400 ms latency), show the
question text within 3 seconds.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders

from tests import browser_support
from tests.browser_support import (
    BROWSER_MARKS,
    PARTICIPANT_PAGES,
    STATES,
    prepare_page,
)
from tests.live_browser_support import LIVE_PAGES, LIVE_STATES, prepare_live_page

pytestmark = BROWSER_MARKS
# Fixtures: one Chromium for the module, and a fresh phone-sized context per test.
chromium = browser_support.chromium
phone = browser_support.phone

KB = 1024
FIRST_VISIT_BUDGET = 60 * KB
LATER_VISIT_BUDGET = 20 * KB
THREE_G = {
    "offline": False,
    "latency": 400,  # ms, added to every request
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}
THREE_G_BUDGET_S = 3.0


@dataclass
class Transfer:
    """What one page load cost on the network, request by request."""

    requests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def listen(self, cdp: Any) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event: dict[str, Any]) -> None:
        self.requests[event["requestId"]] = {"url": event["request"]["url"], "done": False}

    def _received(self, event: dict[str, Any]) -> None:
        entry = self.requests.setdefault(event["requestId"], {"done": False})
        response = event["response"]
        headers = {k.lower(): v for k, v in response["headers"].items()}
        entry.update(
            url=response["url"],
            status=response["status"],
            encoding=headers.get("content-encoding", ""),
            type=event["type"],
        )

    def _finished(self, event: dict[str, Any]) -> None:
        entry = self.requests.setdefault(event["requestId"], {"url": "?"})
        entry.update(bytes=int(event["encodedDataLength"]), done=True)

    def _failed(self, event: dict[str, Any]) -> None:
        entry = self.requests.setdefault(event["requestId"], {"url": "?"})
        entry.update(bytes=0, done=True, failed=event.get("errorText", ""))

    def wait(self, page: Any) -> None:
        give_up = time.monotonic() + 10
        while not all(r["done"] for r in self.requests.values()) and time.monotonic() < give_up:
            page.wait_for_timeout(20)
        assert all(r["done"] for r in self.requests.values()), self.requests

    @property
    def total(self) -> int:
        return sum(r.get("bytes", 0) for r in self.requests.values())

    def production_estimate(self) -> int:
        """The same load if static files came gzipped, as WhiteNoise sends them."""
        total = self.total
        for r in self.requests.values():
            path = urlsplit(r["url"]).path
            if not path.startswith("/static/") or r.get("status") != 200 or r.get("encoding"):
                continue
            found = finders.find(path.removeprefix("/static/"))
            assert found, path
            body = Path(str(found)).read_bytes()
            total += min(len(gzip.compress(body, compresslevel=9)), len(body)) - len(body)
        return total

    def report(self) -> str:
        return "\n".join(
            f"    {r.get('bytes', 0):>7} B  {r.get('status', '?')} "
            f"{r.get('encoding') or 'identity':<8} {urlsplit(r['url']).path}"
            for r in self.requests.values()
        )


def _load(page: Any, url: str) -> Transfer:
    cdp = page.context.new_cdp_session(page)
    transfer = Transfer()
    transfer.listen(cdp)
    cdp.send("Network.enable")
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url} → {response}"
    transfer.wait(page)
    cdp.detach()
    return transfer


WEIGHED_PAGES = [name for name in PARTICIPANT_PAGES if name not in STATES]


@pytest.mark.parametrize("name", WEIGHED_PAGES)
@pytest.mark.django_db(transaction=True)
def test_a_page_costs_little_to_load(live_server, phone, name, own_signing_keys) -> None:
    url = prepare_page(name, phone, live_server.url).url
    page = phone.new_page()

    first = _load(page, url)  # empty cache: HTML, stylesheet, script
    later = _load(page, url)  # the same session again: static files from the cache

    documents = [r for r in first.requests.values() if r.get("type") == "Document"]
    assert [d["encoding"] for d in documents] == ["gzip"], f"{name}: HTML not compressed"
    print(
        f"\n{name}: first {first.total} B (production estimate "
        f"{first.production_estimate()} B), later {later.total} B\n"
        f"  first:\n{first.report()}\n  later:\n{later.report()}"
    )
    assert first.total <= FIRST_VISIT_BUDGET, f"{name}: first visit\n{first.report()}"
    assert first.production_estimate() <= FIRST_VISIT_BUDGET
    assert later.total <= LATER_VISIT_BUDGET, f"{name}: later visit\n{later.report()}"


@pytest.mark.parametrize("name", [n for n in LIVE_PAGES if n not in LIVE_STATES])
@pytest.mark.django_db(transaction=True)
def test_a_live_game_page_costs_little_to_load(live_server, phone, name) -> None:
    """The live game's player pages within the same budgets (the play page with its
    script; the 3G timing of a question's arrival is in test_live_browser.py)."""
    url = prepare_live_page(name, phone, live_server.url).url
    page = phone.new_page()
    first = _load(page, url)
    later = _load(page, url)
    print(
        f"\n{name}: first {first.total} B (production estimate "
        f"{first.production_estimate()} B), later {later.total} B\n  first:\n{first.report()}"
    )
    assert first.total <= FIRST_VISIT_BUDGET, f"{name}: first visit\n{first.report()}"
    assert first.production_estimate() <= FIRST_VISIT_BUDGET
    assert later.total <= LATER_VISIT_BUDGET, f"{name}: later visit\n{later.report()}"


# Probes for when the question was painted: the first contentful paint (the page has
# no script-built content, so the first paint holds the question), from the start of
# the navigation.
FIRST_PAINT_JS = """() => new Promise((resolve) => {
  new PerformanceObserver((list, observer) => {
    const fcp = list.getEntriesByName("first-contentful-paint")[0];
    if (fcp) { observer.disconnect(); resolve(fcp.startTime); }
  }).observe({ type: "paint", buffered: true });
})"""


@pytest.mark.parametrize("name", ["contest_question", "placement_question"])
@pytest.mark.django_db(transaction=True)
def test_the_question_shows_within_3_seconds_on_3g(live_server, phone, name) -> None:
    from playwright.sync_api import expect

    prepared = prepare_page(name, phone, live_server.url)
    page = phone.new_page()
    cdp = phone.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)

    started = time.monotonic()
    page.goto(prepared.url, wait_until="commit")
    expect(page.locator(prepared.main_text)).to_be_visible()
    visible_s = time.monotonic() - started
    painted_s = float(page.evaluate(FIRST_PAINT_JS)) / 1000
    page.wait_for_load_state("load")
    loaded_s = time.monotonic() - started
    print(
        f"\n{name} on 3G: question visible after {visible_s:.2f} s "
        f"(first paint {painted_s:.2f} s), page loaded after {loaded_s:.2f} s"
    )
    assert painted_s <= THREE_G_BUDGET_S, f"{name}: first paint after {painted_s:.2f} s"
    assert visible_s <= THREE_G_BUDGET_S, f"{name}: question visible after {visible_s:.2f} s"
