"""index.html in a real headless browser (Debian's chromium): it renders, sorts and filters, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import snapshot_factory as f

from crawler.render.html import render_index_html

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (.ci/run installs Debian's chromium)"
)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The day-3 page (days 1-2 as history) opened from file:// in chromium; fails on any dialog or request."""
    sync_api = pytest.importorskip("playwright.sync_api")
    first, second, third = f.three_runs()
    path = tmp_path_factory.mktemp("html") / "index.html"
    path.write_text(render_index_html(third, [first, second]), encoding="utf-8")
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 900})
            tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            tab.on(
                "request",
                lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(f"request: {r.url}"),
            )
            tab.goto(path.as_uri())
            yield tab, problems
        finally:
            browser.close()


def _visible_names(tab) -> list[str]:
    return tab.eval_on_selector_all(
        "#registry tbody tr:not([hidden]) .name", "els => els.map(e => e.textContent.trim())"
    )


def _stars(tab) -> list[int]:
    return tab.eval_on_selector_all(
        "#registry tbody tr .stars", "els => els.map(e => Number(e.getAttribute('data-sort')))"
    )


def test_table_renders_one_row_per_entry(page):
    """Every entry is a row, hostile strings show as text, and nothing ran or was fetched."""
    tab, problems = page
    assert tab.locator("#registry tbody tr").count() == len(f.registry().entries)
    assert "<script>alert(1)</script>" in tab.locator("#entry-biomedlm .about").inner_text()
    assert tab.locator("#entry-biomedlm svg.spark").count() == 1
    assert problems == []


def test_clicking_stars_sorts_numerically(page):
    """The first click on Stars sorts most-starred first (numerically), the second reverses it."""
    tab, problems = page
    tab.click("th:nth-child(3) button")
    assert _stars(tab) == [4900, 3000, 1003, 1003, 130, -1]
    assert tab.get_attribute("th:nth-child(3)", "aria-sort") == "descending"
    tab.click("th:nth-child(3) button")
    assert _stars(tab) == [-1, 130, 1003, 1003, 3000, 4900]
    ARTIFACTS.mkdir(exist_ok=True)
    tab.click("th:nth-child(3) button")
    tab.screenshot(path=str(ARTIFACTS / "index.png"), full_page=True)
    assert (ARTIFACTS / "index.png").stat().st_size > 10_000
    assert problems == []


def test_filters_by_text_and_status(page):
    """Typing narrows the rows (name, licence, URL), the status box keeps rows with a link in that status."""
    tab, problems = page
    tab.fill("#filter", "chatglm")
    assert sorted(_visible_names(tab)) == ["ChatGLM-6B-Med", "Med-ChatGLM"]
    assert tab.inner_text("#count") == "2 of 6 entries"
    tab.fill("#filter", "huggingface.co")
    assert _visible_names(tab) == ["Med-Flamingo"]
    tab.fill("#filter", "")
    tab.select_option("#status", "unverified")
    assert _visible_names(tab) == ["ChatGLM-6B-Med"]
    tab.select_option("#status", "")
    assert len(_visible_names(tab)) == 6
    assert problems == []
