"""No one left behind: every participant page, in Debian's Chromium on a 360 px phone.

- axe-core (package.json's devDependency, installed here with npm on first use) finds
  no serious or critical violation of WCAG 2.0, 2.1 and 2.2 at levels A and AA;
- buttons, fields, answer choices and links that act as buttons are at least
  44 × 44 px;
- text enlarged to 200% really grows and still fits the 360 px width: nothing
  scrolls sideways or pokes past the screen edge.

Page weight and 3G timings are in test_page_weight.py.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests import browser_support
from tests.browser_support import (
    BROWSER_MARKS,
    MIN_TOUCH_TARGET,
    PARTICIPANT_PAGES,
    SCREEN_WIDTH,
    prepare_page,
)
from tests.live_browser_support import LIVE_PAGES, prepare_live_page

pytestmark = BROWSER_MARKS
# Fixtures: one Chromium for the module, and a fresh phone-sized context per test.
chromium = browser_support.chromium
phone = browser_support.phone

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from npm (package.json's devDependency), installed once if missing."""
    if AXE_JS.exists():
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so axe-core (package.json) cannot be installed")
    lock = ROOT / "package-lock.json"
    command = [npm, "ci" if lock.exists() else "install", "--no-audit", "--no-fund"]
    # One install at a time (pytest-xdist workers share the tree).
    with open(Path(tempfile.gettempdir()) / "hocvuso-npm-install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not AXE_JS.exists():
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
            )
            if done.returncode != 0 or not AXE_JS.exists():
                pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return AXE_JS


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
  }));
}"""


def _open(phone: Any, base_url: str, name: str) -> tuple[Any, str]:
    """The page `name`, loaded (and posted, where a form post reaches it), and the
    selector of its main text."""
    prepared = prepare_page(name, phone, base_url)
    page = phone.new_page()
    response = page.goto(prepared.url)
    assert response is not None and response.ok, f"{name}: {prepared.url} → {response}"
    if prepared.then is not None:
        prepared.then(page)
    page.locator(prepared.main_text).first.wait_for()
    return page, prepared.main_text


# What a thumb has to hit: buttons, fields, answer rows, links styled or placed as
# buttons (a link alone in its paragraph, the header's links). A checkbox or radio
# counts by the label that holds it. Links inside running text are exempt (WCAG 2.5.5).
TARGETS_JS = """() => {
  const visible = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const standalone = (a) => a.parentElement.textContent.trim() === a.textContent.trim();
  const picked = new Set(document.querySelectorAll(
    "button, input:not([type=hidden]), select, textarea, label.choice,"
    + "a.button, a.card, a.pos, header a"
  ));
  for (const a of document.querySelectorAll("main a")) if (standalone(a)) picked.add(a);
  return [...picked].filter(visible).map((e) => {
    const box = (e.type === "checkbox" || e.type === "radio") && e.closest("label") || e;
    const r = box.getBoundingClientRect();
    const text = (box.innerText || box.value || box.name || "").trim().slice(0, 40);
    return { what: `${box.tagName.toLowerCase()}.${box.className} “${text}”`,
             width: Math.round(r.width), height: Math.round(r.height) };
  });
}"""

# Everything on the page that reaches past the right edge of the screen (or the left).
OVERFLOW_JS = """(width) => [...document.querySelectorAll("header *, main *")]
  .filter((e) => !e.closest(".skip, .visually-hidden"))
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width > 0 && (r.right > width + 0.5 || r.left < -0.5))
  .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className}: `
    + `${Math.round(r.left)}–${Math.round(r.right)} px`)"""


def _axe_problems(page: Any, axe_script: Path) -> list[str]:
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(AXE_RUN, WCAG_TAGS)
    return [
        f"axe [{v['impact']}] {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"])
        for v in violations
        if v["impact"] in BLOCKING
    ]


def _small_targets(page: Any) -> list[str]:
    return [
        f"touch target {t['width']}×{t['height']} px: {t['what']}"
        for t in page.evaluate(TARGETS_JS)
        if min(t["width"], t["height"]) < MIN_TOUCH_TARGET
    ]


def _problems_at_double_text(page: Any, main: str) -> list[str]:
    """Text enlarged to 200% (a phone's largest text setting): the main text and the
    body text really grow, and nothing is pushed past the 360 px screen (WCAG 1.4.4,
    1.4.10)."""
    sizes = """(main) => [document.body, document.querySelector(main)]
      .map((e) => parseFloat(getComputedStyle(e).fontSize))"""
    before = page.evaluate(sizes, main)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    after = page.evaluate(sizes, main)
    problems = [
        f"200% text: {what} stays {b}→{a} px (a fixed px size?)"
        for what, b, a in zip(("body text", main), before, after, strict=True)
        if a < 1.9 * b
    ]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > SCREEN_WIDTH:
        problems.append(f"200% text: the page scrolls sideways ({scroll_width} px wide)")
    problems += [
        f"200% text: past the screen edge: {e}" for e in page.evaluate(OVERFLOW_JS, SCREEN_WIDTH)
    ]
    return problems


@pytest.mark.parametrize("name", PARTICIPANT_PAGES)
@pytest.mark.django_db(transaction=True)
def test_a_participant_page_leaves_no_one_behind(
    live_server, phone, axe_script, name, own_signing_keys
) -> None:
    """axe finds nothing serious or critical; every target is thumb-sized; text
    doubles and still fits the phone. (One page load for the three: the suite stays
    fast.) Every problem found is listed, not just the first."""
    page, main = _open(phone, live_server.url, name)
    problems = _small_targets(page)
    problems += _axe_problems(page, axe_script)
    problems += _problems_at_double_text(page, main)
    assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", LIVE_PAGES)
@pytest.mark.django_db(transaction=True)
def test_a_live_game_page_leaves_no_one_behind(live_server, phone, axe_script, name) -> None:
    """The same audit for the live game's player pages (PIN, nickname, play page in
    the lobby, during a question and at the reveal)."""
    prepared = prepare_live_page(name, phone, live_server.url)
    page = phone.new_page()
    response = page.goto(prepared.url)
    assert response is not None and response.ok, f"{name}: {prepared.url} → {response}"
    page.locator(prepared.main_text).first.wait_for()
    problems = _small_targets(page)
    problems += _axe_problems(page, axe_script)
    problems += _problems_at_double_text(page, prepared.main_text)
    assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)
