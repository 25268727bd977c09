"""The Actions glue: issue body, step summary and commit message, and their tiny CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawler import gh_actions
from crawler.gh_actions import (
    ISSUE_BODY_LIMIT,
    commit_message,
    has_confirmed_broken,
    issue_body,
    issue_size,
    step_summary,
)
from crawler.models import ArchiveCopy, EntryRecord, LinkKind, LinkRecord, LinkResult, LinkStatus, Snapshot
from crawler.render.changes import render_changes

NOW = datetime(2026, 3, 2, 4, 17, tzinfo=UTC)
HOSTILE_NAME = "@octocat #1 <script>alert(1)</script> [x](javascript:alert(1)) \x1b[31m\u202eevil\n# Heading 😀"


def link(
    url: str,
    status: LinkStatus = LinkStatus.OK,
    *,
    failures: int = 0,
    final_url: str | None = None,
    reason: str = "ok",
    http_status: int | None = 200,
) -> LinkRecord:
    result = LinkResult(
        url=url, status=status, http_status=http_status, final_url=final_url, reason=reason, checked_at=NOW
    )
    since = date(2026, 2, 16) if failures else None
    return LinkRecord(
        url=url, kind=LinkKind.REPOSITORY, result=result, consecutive_failures=failures, failing_since=since
    )


def entry(entry_id: str, *links: LinkRecord, name: str | None = None) -> EntryRecord:
    return EntryRecord(id=entry_id, name=name or entry_id.title(), links=list(links))


def snapshot(*entries: EntryRecord) -> Snapshot:
    summary = {s: 0 for s in LinkStatus}
    for e in entries:
        for lr in e.links:
            summary[lr.result.status] += 1
    return Snapshot(
        generated_at=NOW,
        tool_version="0.1.0",
        registry_path="registry.yaml",
        registry_sha256="0" * 64,
        summary=summary,
        entries=list(entries),
    )


def broken(url: str, failures: int = 2, reason: str = "Not Found") -> LinkRecord:
    return link(url, LinkStatus.BROKEN, failures=failures, reason=reason, http_status=404)


# --------------------------------------------------------------------------- confirmation


def test_one_failed_run_is_not_confirmed():
    """A link broken for a single run does not open the issue; two runs in a row do."""
    assert not has_confirmed_broken(snapshot(entry("a", broken("https://a.org/", failures=1))))
    assert has_confirmed_broken(snapshot(entry("a", broken("https://a.org/", failures=2))))


def test_unverified_is_never_confirmed_broken():
    """Anti-bot walls and 5xx streaks (unverified) never count as confirmed broken."""
    snap = snapshot(entry("a", link("https://a.org/", LinkStatus.UNVERIFIED, failures=9, reason="403 anti-bot")))
    assert not has_confirmed_broken(snap, confirm_after=2)


def test_confirm_after_is_honoured():
    """The confirmation threshold is a parameter, not a constant."""
    snap = snapshot(entry("a", broken("https://a.org/", failures=3)))
    assert has_confirmed_broken(snap, confirm_after=3)
    assert not has_confirmed_broken(snap, confirm_after=4)


# --------------------------------------------------------------------------- issue body


def test_issue_body_lists_each_confirmed_url_once_with_its_entries_and_moved():
    """Each confirmed-broken URL is listed once naming every entry citing it; moved links get their own section."""
    snap = snapshot(
        entry("alpha", broken("https://a.org/1"), broken("https://a.org/2"), name="Alpha"),
        entry("beta", broken("https://b.org/new", failures=1), name="Beta"),
        entry(
            "gamma",
            broken("https://g.org/x"),
            broken("https://a.org/1"),
            link("https://g.org/old", LinkStatus.REDIRECTED, final_url="https://g.org/new"),
            name="Gamma",
        ),
    )
    body = issue_body(snap)
    assert body.startswith(gh_actions.ISSUE_MARKER)
    assert "**3 confirmed-broken links** in 2 entries" in body and "### Confirmed broken (3)" in body
    assert body.count("<https://a.org/1>") == 1
    assert "- <https://a.org/1> — Alpha (`alpha`), Gamma (`gamma`): Not Found · HTTP 404" in body
    first, second, third = (body.index(f"<https://{u}>") for u in ("a.org/1", "a.org/2", "g.org/x"))
    assert first < second < third
    assert "Beta" not in body and "b.org/new" not in body  # broken once: not confirmed yet
    assert "### Moved (1)" in body and "<https://g.org/old> → <https://g.org/new>" in body
    assert "Not Found · HTTP 404 · failing since 2026-02-16 (2 runs)" in body


def test_issue_body_shows_archived_copies_refused_and_unverifiable_links():
    """A broken link with an archived copy links to it; guard refusals and login-only hosts are said once, calmly."""
    gone = broken("https://gone.org/")
    gone.archive = ArchiveCopy(
        url="https://web.archive.org/web/2024/https://gone.org/", source="wayback", captured_at=NOW
    )
    refused = link("http://10.0.0.1/admin", LinkStatus.SKIPPED, reason="refused to check 10.0.0.1: a private address")
    tianchi = link("https://tianchi.aliyun.com/dataset/1", LinkStatus.UNVERIFIED, reason="login wall")
    tianchi.result.cause = "unverifiable-host"
    body = issue_body(snapshot(entry("a", gone, refused, tianchi)))
    assert "archived copy of 2026-03-02: <https://web.archive.org/web/2024/https://gone.org/>" in body
    assert "### Not checked: refused by the address guard (1)" in body and "a private address" in body
    assert "login required, existence not verifiable (not an alarm): <https://tianchi.aliyun.com/dataset/1>" in body


def test_issue_body_links_the_full_report_when_given_its_url():
    """With --reports-url the pointer to broken-links.md is a link."""
    url = "https://github.com/o/r/blob/main/reports/broken-links.md"
    body = issue_body(snapshot(entry("a", broken("https://a.org/"))), reports_url=url)
    assert f"[reports/broken-links.md]({url})" in body


def test_hostile_strings_are_inert_in_the_issue_body():
    """Names and reasons cannot mention people, reference issues, inject HTML/links or smuggle control characters."""
    evil_url = "https://evil.example/a>b<c`d(e)"
    snap = snapshot(entry("evil", broken(evil_url, reason=HOSTILE_NAME), name=HOSTILE_NAME))
    body = issue_body(snap)
    assert "@octocat" not in body and "#1" not in body
    assert "<script" not in body and "](javascript" not in body
    assert not any(c in body for c in "\x1b\u202e\r")
    assert "\n# Heading" not in body
    assert "<https://evil.example/a%3Eb%3Cc%60d%28e%29>" in body


def test_issue_body_never_exceeds_the_limit_with_5000_hostile_links():
    """5,000 confirmed-broken links with hostile, astral-plane names still fit, cut by whole lines with a note."""
    entries = [
        entry(
            f"e{i}",
            broken(f"https://host{i}.example/{'x' * 150}@{i}", reason=HOSTILE_NAME * 3),
            name=f"{HOSTILE_NAME} {i} " + "😀" * 50,
        )
        for i in range(5000)
    ]
    snap = snapshot(*entries)
    full = issue_body(snap, limit=10**9)
    body = issue_body(snap)
    assert issue_size(full) > ISSUE_BODY_LIMIT
    assert issue_size(body) <= ISSUE_BODY_LIMIT and len(body) <= ISSUE_BODY_LIMIT
    kept, note = body.rstrip("\n").rsplit("\n\n", 1)
    assert full.startswith(kept + "\n")  # a prefix of whole lines
    assert "cut to stay under GitHub's 65,536-character limit" in note and "reports/broken-links.md" in note
    assert not kept.splitlines()[-1].startswith("#")  # no dangling heading


@pytest.mark.parametrize("limit", [0, 1, 40, 200, 333, 1000, 2500, 10_000])
def test_issue_body_honours_any_limit(limit):
    """Whatever the limit, even smaller than the note, the body is never over it."""
    snap = snapshot(*(entry(f"e{i}", broken(f"https://h{i}.example/"), name="名前 😀 " * 20) for i in range(200)))
    assert issue_size(issue_body(snap, limit=limit)) <= limit


def test_issue_size_counts_astral_characters_twice():
    """Emoji count as two (UTF-16), so the body fits however GitHub counts characters."""
    assert issue_size("a😀") == 3 and issue_size("名") == 1


# --------------------------------------------------------------------------- step summary


def test_step_summary_unchanged_when_it_fits():
    """A report under the limit is passed through byte for byte."""
    text = "# Changes\n\n- one\n"
    assert step_summary(text, limit=1024) == text


def test_step_summary_cut_by_whole_lines_with_a_note_in_utf8_bytes():
    """Multi-byte text is cut to fit the limit in UTF-8 bytes, at a line boundary, with a note saying so."""
    lines = [f"| 模型 {i} | broken |" for i in range(50_000)]
    text = "\n".join(lines) + "\n"
    out = step_summary(text)
    assert len(text.encode()) > gh_actions.STEP_SUMMARY_LIMIT
    assert len(out.encode("utf-8")) <= gh_actions.STEP_SUMMARY_LIMIT
    kept, note = out.rstrip("\n").rsplit("\n\n", 1)
    assert text.startswith(kept + "\n")
    assert "Cut to fit" in note and "1,024 KiB" in note and "reports/changes.md" in note


def test_step_summary_closes_an_open_code_fence():
    """A cut inside a fenced block closes the fence so the note is not swallowed into it."""
    text = "# Changes\n\n```\n" + "\n".join(f"line {i}" for i in range(1000)) + "\n```\n"
    out = step_summary(text, limit=2000)
    assert len(out.encode()) <= 2000
    kept, note = out.rstrip("\n").rsplit("\n\n", 1)
    assert kept.endswith("\n```") and note.startswith("> **Cut to fit:**")


# --------------------------------------------------------------------------- commit message


def test_commit_message_says_what_changed():
    """Newly broken and newly moved links are counted in the subject; the body lists them and the totals."""
    old = snapshot(entry("a", link("https://a.org/1"), link("https://a.org/2"), link("https://a.org/3")))
    new = snapshot(
        entry(
            "a",
            broken("https://a.org/1", failures=1),
            broken("https://a.org/2", failures=1),
            link("https://a.org/3", LinkStatus.REDIRECTED, final_url="https://a.org/three"),
        )
    )
    message = commit_message(new, old)
    subject, _, body = message.partition("\n\n")
    assert subject == "reports: 2 broken, 1 moved"
    assert "Now: 0 ok, 1 redirected, 2 broken, 0 unverified, 0 skipped (3 links)." in body
    assert "Newly broken:\n- https://a.org/1 (A)\n- https://a.org/2 (A)" in body
    assert "Moved:\n- https://a.org/3 -> https://a.org/three (A)" in body


def test_commit_message_counts_a_url_cited_twice_once():
    """A URL cited by two entries is one broken link in the subject and the totals, naming both entries."""
    old = snapshot(entry("a", link("https://x.org/")), entry("b", link("https://x.org/")))
    new = snapshot(entry("a", broken("https://x.org/", failures=1)), entry("b", broken("https://x.org/", failures=1)))
    subject, _, body = commit_message(new, old).partition("\n\n")
    assert subject == "reports: 1 broken"
    assert "1 broken, 0 unverified, 0 skipped (1 link)." in body and "- https://x.org/ (A, B)" in body


def test_commit_message_counts_recoveries_additions_and_removals():
    """Recovered, added and removed links are named with correct plurals; still-broken links are not news."""
    old = snapshot(
        entry("a", broken("https://a.org/1"), broken("https://a.org/2", failures=3), link("https://gone.org/"))
    )
    new = snapshot(entry("a", link("https://a.org/1"), broken("https://a.org/2", failures=4), link("https://new.org/")))
    assert commit_message(new, old).splitlines()[0] == "reports: 1 recovered, 1 URL edited"
    other = snapshot(
        entry("a", link("https://a.org/1"), broken("https://a.org/2", failures=4)), entry("b", link("https://b.org/"))
    )
    assert commit_message(other, old).splitlines()[0] == "reports: 1 recovered, 1 link added, 1 link removed"


def test_commit_message_reports_a_url_edited_as_changes_md_does():
    """A URL replaced in an entry is '1 URL edited' (old -> new in the body), as changes.md lists it."""
    old = snapshot(entry("a", link("https://old.org/x"), link("https://keep.org/")))
    new = snapshot(entry("a", link("https://new.org/x"), link("https://keep.org/")))
    subject, _, body = commit_message(new, old).partition("\n\n")
    assert subject == "reports: 1 URL edited"
    assert "Edited in the registry:\n- https://old.org/x -> https://new.org/x (A)" in body
    assert "https://old.org/x → https://new.org/x" in render_changes(new, old)


def test_a_url_edited_in_two_entries_is_one_edit_everywhere():
    """The same URL replaced in two entries is '1 URL edited' naming both, in the commit message and changes.md."""
    old = snapshot(entry("a", link("https://old.org/x")), entry("b", link("https://old.org/x")))
    new = snapshot(entry("a", link("https://new.org/x")), entry("b", link("https://new.org/x")))
    subject, _, body = commit_message(new, old).partition("\n\n")
    assert subject == "reports: 1 URL edited"
    assert body.count("https://old.org/x -> https://new.org/x") == 1 and "https://new.org/x (A, B)" in body
    changes = render_changes(new, old)
    assert "## URLs edited in the registry (1)" in changes
    assert "- A (`a`), B (`b`), repository: https://old.org/x → https://new.org/x" in changes


def test_commit_message_when_only_metadata_changed():
    """Same statuses as before: the message says the metadata was refreshed."""
    snap = snapshot(entry("a", link("https://a.org/1"), broken("https://a.org/2", failures=5)))
    assert commit_message(snap, snap).splitlines()[0] == "reports: refresh metadata"


def test_commit_message_for_the_first_crawl():
    """Without a previous snapshot the message says it is the first crawl."""
    snap = snapshot(entry("a", link("https://a.org/1"), broken("https://a.org/2", failures=1)))
    assert commit_message(snap, None).splitlines()[0] == "reports: first crawl, 2 links (1 broken)"


# --------------------------------------------------------------------------- CLI


def write(snap: Snapshot, path: Path) -> Path:
    path.write_text(snap.model_dump_json(), encoding="utf-8")
    return path


def test_cli_prints_issue_body_and_flag(tmp_path, capsys):
    """`issue-body` and `has-confirmed-broken` read a snapshot file and print to stdout."""
    path = write(snapshot(entry("a", broken("https://a.org/"))), tmp_path / "latest.json")
    assert gh_actions.main(["has-confirmed-broken", str(path)]) == 0
    assert capsys.readouterr().out == "true\n"
    assert gh_actions.main(["has-confirmed-broken", str(path), "--confirm-after", "3"]) == 0
    assert capsys.readouterr().out == "false\n"
    assert gh_actions.main(["issue-body", str(path), "--limit", "300"]) == 0
    assert len(capsys.readouterr().out) <= 300


def test_cli_commit_message_tolerates_a_missing_previous_snapshot(tmp_path, capsys):
    """An absent or empty --previous (first run, `git show` failed) means a first crawl, not an error."""
    path = write(snapshot(entry("a", link("https://a.org/"))), tmp_path / "latest.json")
    (tmp_path / "empty.json").write_text("")
    for previous in ("missing.json", "empty.json"):
        assert gh_actions.main(["commit-message", str(path), "--previous", str(tmp_path / previous)]) == 0
        assert capsys.readouterr().out.startswith("reports: first crawl")


def test_cli_missing_snapshot_is_one_sentence_and_exit_2(tmp_path, capsys):
    """A missing snapshot is reported in one line naming the file, with exit code 2."""
    assert gh_actions.main(["issue-body", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert "nope.json: no such file" in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_step_summary_as_a_subprocess(tmp_path):
    """`python -m crawler.gh_actions step-summary` writes UTF-8 bytes within the limit, whatever the locale."""
    md = tmp_path / "changes.md"
    md.write_text("# 变更\n" + "- 链接 ok\n" * 1000, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.gh_actions", "step-summary", str(md), "--limit", "4096"],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        check=True,
        timeout=60,
    )
    assert len(proc.stdout) <= 4096
    assert proc.stdout.decode("utf-8").startswith("# 变更\n")
