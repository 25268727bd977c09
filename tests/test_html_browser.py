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
def browser():
    """One headless chromium for the module (playwright's sync API allows one running instance per thread)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, tmp_path_factory, html: str):
    """*html* opened from file:// in a new tab; *problems* collects any dialog, page error or request."""
    path = tmp_path_factory.mktemp("html") / "index.html"
    path.write_text(html, encoding="utf-8")
    problems: list[str] = []
    tab = browser.new_page(viewport={"width": 1400, "height": 900})
    tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else problems.append(f"request: {r.url}"),
    )
    tab.goto(path.as_uri())
    try:
        yield tab, problems
    finally:
        tab.close()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    """The day-3 page (days 1-2 as history) opened from file:// in chromium; fails on any dialog or request."""
    first, second, third = f.three_runs()
    yield from _open(browser, tmp_path_factory, render_index_html(third, [first, second]))


@pytest.fixture(scope="module")
def corpus_page(browser, tmp_path_factory):
    """Day 2 of the corpus fixture (LinkMeta, an archived copy, stale metadata, Tianchi, a refused link)."""
    first, second, _ = f.three_runs(corpus=True)
    yield from _open(browser, tmp_path_factory, render_index_html(second, [first]))


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
    tab.click("th[data-col=stars] button")
    assert _stars(tab) == [4900, 3000, 1003, 1003, 130, -1]
    assert tab.get_attribute("th[data-col=stars]", "aria-sort") == "descending"
    tab.click("th[data-col=stars] button")
    assert _stars(tab) == [-1, 130, 1003, 1003, 3000, 4900]
    ARTIFACTS.mkdir(exist_ok=True)
    tab.click("th[data-col=stars] button")
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


def test_hugging_face_fields_are_visible(corpus_page):
    """Med-Flamingo's HF dataset shows downloads, likes and licence in its row; the HF column sorts by downloads."""
    tab, problems = corpus_page
    row = tab.locator("#entry-med-flamingo")
    assert row.locator("td.hub").is_visible()
    hub = row.locator("td.hub").inner_text()
    assert "axiong/pmc_oa" in hub and "↓ 1,234" in hub and "♥ 30" in hub and "openrail" in hub
    assert "↓ 1,234 downloads" in row.locator(".links").inner_text()
    assert problems == []


def test_corpus_columns_archive_copies_and_stale_markers_are_visible(corpus_page):
    """Access, licence and human size per data link; 'gone; archived copy of' links to the copy; stale says its date;
    Tianchi reads 'login required, existence not verifiable'; a refused link says why."""
    tab, problems = corpus_page
    flamingo = tab.locator("#entry-med-flamingo .corpus")
    assert flamingo.locator(".access").inner_text() == "open"
    assert flamingo.locator(".size").inner_text() == "1.2 GB" and flamingo.locator(".lic").inner_text() == "openrail"
    archive = tab.locator("#entry-chatdoctor .corpus a.archive")
    assert archive.is_visible() and archive.inner_text() == "archived copy of 2023-03-02"
    assert archive.get_attribute("href") == f.ARCHIVED_COPY
    assert "gone; archived copy of 2023-03-02" in tab.locator("#entry-chatdoctor .links").inner_text()
    stale = tab.locator("#entry-med-chatglm .links .stale")
    assert stale.is_visible() and stale.inner_text() == "stale, as of 2024-01-01"
    assert tab.locator("#entry-med-chatglm td.stars .stale").is_visible()
    tianchi = tab.locator("#entry-med-chatglm .corpus").inner_text()
    assert "login required, existence not verifiable" in tianchi and "✅" not in tianchi
    assert "dormant" in tab.locator("#entry-med-chatglm td.commit").inner_text()
    assert tab.locator("#entry-med-chatglm .marks").inner_text() == "✅ 🔒"
    assert "README: This project is no longer maintained" in tab.locator("#entry-med-chatglm .notice").inner_text()
    moved = "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese"
    assert tab.locator("#entry-med-chatglm .notice a.moved-to").get_attribute("href") == moved
    assert "a loopback address" in tab.locator("#entry-pubmedqa .links").inner_text()
    assert "newer version 2.0" in tab.locator("#entry-pubmedqa .corpus").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "index-corpus.png"), full_page=True)
    assert problems == []


def test_link_notes_wrap_between_words(corpus_page):
    """A link's note (the address guard's reason) wraps at spaces, not mid-word; only a long URL may break anywhere."""
    tab, problems = corpus_page
    style = tab.eval_on_selector(
        "#entry-pubmedqa .links li", "li => [getComputedStyle(li).wordBreak, getComputedStyle(li).overflowWrap]"
    )
    assert style == ["normal", "anywhere"]
    assert problems == []


def test_filters_by_access_and_licence(corpus_page):
    """The access box keeps rows with a data link of that access; the licence box those with that data licence."""
    tab, problems = corpus_page
    tab.select_option("#access", "login")
    assert _visible_names(tab) == ["ChatGLM-6B-Med"]
    tab.select_option("#access", "open")
    assert _visible_names(tab) == ["BioMedLM", "本草Huatuo", "Med-Flamingo", "PubMedQA"]
    tab.select_option("#licence", "CC-BY-4.0")
    assert _visible_names(tab) == ["PubMedQA"]
    assert tab.inner_text("#count") == "1 of 7 entries"
    tab.select_option("#access", "")
    tab.select_option("#licence", "")
    assert len(_visible_names(tab)) == 7
    assert problems == []
