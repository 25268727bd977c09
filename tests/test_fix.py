"""`python -m crawler fix`: the plan (what and why), the in-place edit (nothing else changes), the CLI."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.errors import RegistryError, SnapshotError, UsageError
from crawler.fix.edit import apply_edits, registry_diff
from crawler.fix.plan import Edit, FixPlan, https_candidates, plan_fixes
from crawler.models import LinkResult, LinkStatus, Outcome
from crawler.registry import parse_registry
from crawler.snapshot import build_snapshot, dump_snapshot_json, sha256_hex
from tests import fix_fixture as fx
from tests.snapshot_factory import assert_golden, day

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "registry.yaml"
HEAD = "version: 1\nentries:\n  - id: a\n    name: A\n    links:\n"  # a one-entry registry, before its links
HTTPS_OK = {"https://corpus.example.org/download": True, "https://plain.example.org/": False}


def _plan(text: str, snapshot=None, **kw) -> FixPlan:
    snapshot = snapshot or fx.snapshots(text)[-1]
    kw.setdefault("https_ok", HTTPS_OK)
    return plan_fixes(
        fx.registry(text),
        snapshot,
        registry_name="registry.yaml",
        snapshot_name="reports/latest.json",
        registry_sha256=sha256_hex(text),
        today=fx.TODAY,
        **kw,
    )


def _all_ok_snapshot(text: str):
    """A snapshot of *text* in which every link simply works."""
    registry, _ = parse_registry(text)
    outcomes = {
        url: Outcome(result=LinkResult(url=url, status=LinkStatus.OK, reason="OK.", checked_at=day(1)))
        for url in registry.unique_urls()
    }
    return build_snapshot(
        registry,
        registry_path="registry.yaml",
        registry_sha256=sha256_hex(text),
        outcomes=outcomes,
        previous=None,
        now=day(1),
        tool_version="0.1.0",
    )


# --------------------------------------------------------------------------- the shipped registry


def test_shipped_registry_is_byte_identical_when_nothing_is_to_fix(tmp_path, capsys):
    """`fix --apply --check` on the shipped registry with every link ok: no diff, exit 0, the same bytes."""
    text = SHIPPED.read_text(encoding="utf-8")
    registry = tmp_path / "registry.yaml"
    shutil.copyfile(SHIPPED, registry)
    snapshot = tmp_path / "latest.json"
    snapshot.write_text(dump_snapshot_json(_all_ok_snapshot(text)), encoding="utf-8")
    base = ["fix", "--registry", str(registry), "--snapshot", str(snapshot), "--offline"]
    assert main([*base, "--check"]) == 0
    assert capsys.readouterr().out == ""
    assert main([*base, "--apply"]) == 0
    assert registry.read_bytes() == SHIPPED.read_bytes()
    assert "nothing to fix" in capsys.readouterr().err


def test_shipped_registry_edit_changes_one_line_and_keeps_every_comment():
    """A redirect in the shipped registry changes exactly the url's line; all other lines, comments included, stay."""
    text = SHIPPED.read_text(encoding="utf-8")
    snapshot = _all_ok_snapshot(text)
    record = next(link for _, link in snapshot.links() if link.url == "https://github.com/microsoft/BioGPT")
    record.result.status = LinkStatus.REDIRECTED
    record.result.final_url = "https://github.com/microsoft/BioGPT-2"
    plan = plan_fixes(
        parse_registry(text)[0],
        snapshot,
        registry_name="registry.yaml",
        snapshot_name="latest.json",
        registry_sha256=sha256_hex(text),
        today=date(2026, 11, 30),
    )
    new = apply_edits(text, plan.edits, today=plan.date, filename="registry.yaml")
    old_lines, new_lines = text.splitlines(keepends=True), new.splitlines(keepends=True)
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed == [
        (
            "      - url: https://github.com/microsoft/BioGPT\n",
            "      - url: https://github.com/microsoft/BioGPT-2  # was https://github.com/microsoft/BioGPT "
            "(crawler fix 2026-11-30)\n",
        )
    ]
    assert [ln for ln in old_lines if ln.lstrip().startswith("#")] == [
        ln for ln in new_lines if ln.lstrip().startswith("#")
    ]


# --------------------------------------------------------------------------- what is proposed


def test_moved_registry_golden_diff_and_result():
    """Moved repo, renamed HF dataset, http link, redirect, canonical form, README notice: the golden diff."""
    text = fx.moved_yaml()
    plan = _plan(text)
    new = apply_edits(text, plan.edits, today=plan.date, filename="registry.yaml")
    assert_golden("fix-moved.diff", registry_diff(text, new, "registry.yaml"))
    assert_golden("fix-moved.yaml", new)
    parse_registry(new)  # still a valid registry
    causes = {e.old_url: [c.cause for c in e.changes] for e in plan.edits}
    assert causes == {
        "https://github.com/old-owner/OldName/tree/main/data?plain=1#readme": ["github-rename"],
        "https://github.com/old-owner/OldName": ["github-rename"],
        "https://huggingface.co/datasets/someone/old-set": ["huggingface-rename"],
        "http://corpus.example.org/download": ["https"],
        "http://www.github.com/owner/repo.git/": ["canonical-github"],
        "https://docs.example.com/old-page#section": ["redirect"],
        "https://github.com/lab/old-repo": ["readme-notice"],
    }


def test_broken_links_are_never_edited_and_get_an_archived_suggestion():
    """The dead link is not in the edits; its Wayback copy is suggested once confirmed (2 failing runs)."""
    text = fx.moved_yaml()
    first, second = fx.snapshots(text)
    assert all(e.old_url != fx.DEAD for e in _plan(text, second).edits)
    assert _plan(text, first).suggestions == []  # failing once is not confirmed
    (suggestion,) = _plan(text, second).suggestions
    assert (suggestion.url, suggestion.archive.url, suggestion.failing_since) == (fx.DEAD, fx.WAYBACK, date(2024, 1, 1))


def test_home_page_redirects_and_failed_https_forms_are_not_proposed():
    """A redirect to the site's home page and an http link whose https form fails stay, with a note each."""
    plan = _plan(fx.moved_yaml())
    olds = {e.old_url for e in plan.edits}
    assert "https://blog.example.com/2023/post" not in olds and "http://plain.example.org/" not in olds
    assert any("home page" in n for n in plan.notes) and any("https:// form did not" in n for n in plan.notes)
    unchecked = _plan(fx.moved_yaml(), https_ok={})  # offline: no https form is known to work
    assert all(c.cause != "https" for e in unchecked.edits for c in e.changes)


def test_a_redirect_from_https_to_plain_http_is_not_proposed():
    """https -> 301 -> http is a downgrade: the link stays, with a note; the same redirect from http is proposed,
    its reason naming no 2xx status as the redirect's."""
    text = (
        HEAD
        + "      - url: https://x.example/a\n        kind: docs\n      - url: http://x.example/b\n        kind: docs\n"
    )
    snapshot = _all_ok_snapshot(text)
    for _, record in snapshot.links():
        record.result.status = LinkStatus.REDIRECTED
        record.result.final_url = record.url.replace("https:", "http:") + "-new"
        record.result.http_status = 200  # a page check records the final answer's status, not the hop's
    plan = _plan(text, snapshot, https_ok={})
    assert [(e.old_url, e.new_url) for e in plan.edits] == [("http://x.example/b", "http://x.example/b-new")]
    assert plan.edits[0].changes[0].why == "the address redirects permanently"  # not "(HTTP 200)"
    assert plan.notes[-1] == (
        "https://x.example/a: not proposed: it redirects to plain http (http://x.example/a-new); the https link is kept"
    )


def test_an_edit_that_duplicates_another_link_of_the_entry_is_noted():
    """/old redirects to /new, which the entry cites already: the edit is proposed and a note says to remove one."""
    text = (
        HEAD
        + "      - url: https://x.example/old\n        kind: docs\n      - url: https://x.example/new\n        kind: docs\n"
    )
    snapshot = _all_ok_snapshot(text)
    record = next(r for _, r in snapshot.links() if r.url.endswith("/old"))
    record.result.status, record.result.final_url = LinkStatus.REDIRECTED, "https://x.example/new"
    plan = _plan(text, snapshot)
    assert [e.new_url for e in plan.edits] == ["https://x.example/new"]
    assert plan.notes == ["a: after this fix, https://x.example/new is cited twice; remove one of the two links"]


@pytest.mark.parametrize(
    "target",
    [
        "https://x.example/accounts/login?next=/data/old",
        "https://x.example/users/sign_in",
        "https://sso.x.example/cas/login",
        "https://x.example/portal?returnUrl=%2Fdata%2Fold",
    ],
)
def test_a_redirect_to_a_sign_in_page_is_not_proposed(target):
    """A permanent redirect to a login page (a protected or removed page) is no new home: noted, not proposed."""
    text = HEAD + "      - url: https://x.example/data/old\n        kind: data\n"
    snapshot = _all_ok_snapshot(text)
    for _, record in snapshot.links():
        record.result.status, record.result.final_url = LinkStatus.REDIRECTED, target
    plan = _plan(text, snapshot)
    assert plan.edits == []
    assert plan.notes == [
        f"https://x.example/data/old: not proposed: it redirects to a sign-in page {target}, not to a new home"
    ]


def test_ordinary_redirect_targets_are_not_taken_for_sign_in_pages():
    """Paths that merely contain the letters (``/author/``, ``/catalog-in/``) still move."""
    text = HEAD + "      - url: https://x.example/a\n        kind: docs\n"
    for target in (
        "https://x.example/author/jane",
        "https://x.example/docs/authentication-guide",
        "https://x.example/v2/a",
    ):
        snapshot = _all_ok_snapshot(text)
        for _, record in snapshot.links():
            record.result.status, record.result.final_url = LinkStatus.REDIRECTED, target
        assert [e.new_url for e in _plan(text, snapshot).edits] == [target]


def test_https_candidates_leave_out_github_and_broken_links():
    """Only non-GitHub http:// links that are not broken or skipped are worth a request."""
    text = fx.moved_yaml()
    assert https_candidates(fx.registry(text), fx.snapshots(text)[-1]) == {
        "http://corpus.example.org/download": "https://corpus.example.org/download",
        "http://plain.example.org/": "https://plain.example.org/",
    }


def test_accepting_an_archived_copy_adds_an_archived_key_golden():
    """--accept-archived adds `archived: COPY` under the url, commented; the url stays as cited."""
    text = fx.moved_yaml()
    plan = _plan(text, accept_archived=[fx.DEAD])
    archived = [e for e in plan.edits if e.field == "archived"]
    assert [(e.old_url, e.new_url) for e in archived] == [(fx.DEAD, fx.WAYBACK)]
    assert plan.suggestions == []
    new = apply_edits(text, archived, today=plan.date, filename="registry.yaml")
    assert_golden("fix-archived.diff", registry_diff(text, new, "registry.yaml"))
    (link,) = [link for e in parse_registry(new)[0].entries for link in e.links if link.url == fx.DEAD]
    assert link.archived == fx.WAYBACK


def test_accept_archived_in_a_flow_mapping_and_on_the_last_line():
    """Flow mappings get `, archived: "..."`; a url on the file's last line without a newline still works."""
    text = fx.moved_yaml().replace(
        f"      - url: {fx.DEAD}\n        kind: data\n", f"      - {{url: {fx.DEAD}, kind: data}}\n"
    )
    new = apply_edits(
        text,
        [e for e in _plan(text, accept_archived=[fx.DEAD]).edits if e.field == "archived"],
        today=fx.TODAY,
        filename="r.yaml",
    )
    flow = f'- {{url: {fx.DEAD}, archived: "{fx.WAYBACK}", kind: data}}'
    assert f"{flow}  # archived copy accepted (crawler fix 2026-11-30)\n" in new
    last = "version: 1\nentries:\n  - id: a\n    name: A\n    links:\n      - kind: data\n        url: " + fx.DEAD
    edit = Edit(entry_id="a", link_index=0, field="archived", old_url=fx.DEAD, new_url=fx.WAYBACK, changes=[])
    assert apply_edits(last, [edit], today=fx.TODAY, filename="r.yaml").endswith(
        f"url: {fx.DEAD}\n        archived: {fx.WAYBACK}  # archived copy accepted (crawler fix 2026-11-30)"
    )


def test_a_second_fix_replaces_its_own_comment_instead_of_stacking():
    """A line fixed twice carries one `# was` comment, naming the URL it had before this fix."""
    text = HEAD + "      - url: https://x.example/1\n        kind: docs\n"
    one = Edit(entry_id="a", link_index=0, old_url="https://x.example/1", new_url="https://x.example/2", changes=[])
    once = apply_edits(text, [one], today=date(2026, 1, 1), filename="r.yaml")
    two = Edit(entry_id="a", link_index=0, old_url="https://x.example/2", new_url="https://x.example/3", changes=[])
    twice = apply_edits(once, [two], today=date(2026, 2, 1), filename="r.yaml")
    assert "      - url: https://x.example/3  # was https://x.example/2 (crawler fix 2026-02-01)\n" in twice
    assert twice.count("#") == 1


def test_quoting_and_crlf_line_endings_are_kept():
    """Single and double quotes stay as written, a URL that needs quotes gets them, CRLF lines stay CRLF."""
    text = (
        "version: 1\r\nentries:\r\n  - id: a\r\n    name: A\r\n    links:\r\n"
        "      - url: 'https://x.example/1'\r\n        kind: docs\r\n"
        "      - url: https://x.example/2\r\n        kind: docs\r\n"
    )
    edits = [
        Edit(entry_id="a", link_index=0, old_url="https://x.example/1", new_url="https://x.example/it's", changes=[]),
        Edit(entry_id="a", link_index=1, old_url="https://x.example/2", new_url="https://x.example/a,b", changes=[]),
    ]
    new = apply_edits(text, edits, today=fx.TODAY, filename="r.yaml")
    assert "      - url: 'https://x.example/it''s'  # was https://x.example/1 (crawler fix 2026-11-30)\r\n" in new
    assert '      - url: "https://x.example/a,b"  # was https://x.example/2 (crawler fix 2026-11-30)\r\n' in new
    assert new.count("\r\n") == text.count("\r\n") and "\n" not in new.replace("\r\n", "")


def test_an_explicit_tag_before_the_url_is_kept():
    """``url: !!str URL`` (and the verbose ``!<...>`` form): only the URL is replaced, the tag stays."""
    text = HEAD + (
        "      - url: !!str https://x.example/1\n        kind: docs\n"
        "      - url: !<tag:yaml.org,2002:str> 'https://x.example/2'\n        kind: docs\n"
    )
    edits = [
        Edit(entry_id="a", link_index=i, old_url=f"https://x.example/{n}", new_url=f"https://y.example/{n}", changes=[])
        for i, n in ((0, 1), (1, 2))
    ]
    new = apply_edits(text, edits, today=fx.TODAY, filename="r.yaml")
    assert "      - url: !!str https://y.example/1  # was https://x.example/1 (crawler fix 2026-11-30)\n" in new
    assert "url: !<tag:yaml.org,2002:str> 'https://y.example/2'  # was https://x.example/2 (crawler fix " in new


def test_an_edit_that_cannot_be_made_exactly_is_refused():
    """A url no longer as planned, or a block scalar url: a one-sentence RegistryError, or set aside in `refused`."""
    text = HEAD + "      - url: >-\n          https://x.example/1\n        kind: docs\n"
    edit = Edit(entry_id="a", link_index=0, old_url="https://x.example/1", new_url="https://x.example/2", changes=[])
    with pytest.raises(RegistryError, match=r"r.yaml:\d+: the url spans several lines; edit it by hand"):
        apply_edits(text, [edit], today=fx.TODAY, filename="r.yaml")
    refused: list = []
    assert apply_edits(text, [edit], today=fx.TODAY, filename="r.yaml", refused=refused) == text
    assert [e for e, _ in refused] == [edit]
    stale = edit.model_copy(update={"old_url": "https://elsewhere.example/"})
    with pytest.raises(RegistryError, match="is not https://elsewhere.example/; run `fix` again"):
        apply_edits(text.replace(">-\n          ", ""), [stale], today=fx.TODAY, filename="r.yaml")


def test_links_shared_through_yaml_anchors_are_left_for_a_person():
    """An anchored link or url (read again through ``*alias``) is refused with its line; the other links are edited."""
    text = HEAD + (
        "      - &shared\n        url: https://x.example/1\n        kind: docs\n"
        "      - *shared\n"
        "      - url: &u https://x.example/2  # anchored\n        kind: docs\n"
        "      - url: *u\n        kind: blog\n"
        "      - url: https://x.example/3\n        kind: docs\n"
    )
    edits = [
        Edit(entry_id="a", link_index=i, old_url=f"https://x.example/{n}", new_url=f"https://y.example/{n}", changes=[])
        for i, n in ((0, 1), (1, 1), (2, 2), (3, 2), (4, 3))
    ]
    refused: list = []
    new = apply_edits(text, edits, today=fx.TODAY, filename="r.yaml", refused=refused)
    assert [(e.link_index, m) for e, m in refused] == [
        (0, "r.yaml:6: this link is shared through the YAML anchor &shared; edit it by hand."),
        (1, "r.yaml:6: this link is shared through the YAML anchor &shared; edit it by hand."),
        (2, "r.yaml:10: this link is shared through the YAML anchor &u; edit it by hand."),
        (3, "r.yaml:10: this link is shared through the YAML anchor &u; edit it by hand."),
    ]
    assert new == text.replace(
        "https://x.example/3\n", "https://y.example/3  # was https://x.example/3 (crawler fix 2026-11-30)\n"
    )


def test_snapshot_of_another_registry_and_unknown_accepted_urls_are_errors():
    """A snapshot sharing no URL with the registry, or --accept-archived of a URL without a copy: one sentence."""
    text = fx.moved_yaml()
    other = _all_ok_snapshot(SHIPPED.read_text(encoding="utf-8"))
    with pytest.raises(SnapshotError, match="was made from another registry than registry.yaml"):
        _plan(text, other)
    with pytest.raises(UsageError, match="no link of registry.yaml has this URL"):
        _plan(text, accept_archived=["https://nowhere.example/"])
    with pytest.raises(UsageError, match="has no archived copy of it"):
        _plan(text, accept_archived=["https://github.com/lab/old-repo"])


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def moved(tmp_path):
    """registry.yaml and reports/latest.json of the moved fixture, in a temporary folder."""
    text = fx.moved_yaml()
    (tmp_path / "registry.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "latest.json").write_text(dump_snapshot_json(fx.snapshots(text)[-1]), encoding="utf-8")
    return tmp_path


def _args(folder: Path, *more: str) -> list[str]:
    return ["fix", "--registry", str(folder / "registry.yaml"), "--out", str(folder / "reports"), "--offline", *more]


def test_cli_prints_a_diff_and_check_exits_1(moved, capsys):
    """Without --apply: the diff on stdout, exit 0 (1 with --check), the file untouched; the summary on stderr."""
    before = (moved / "registry.yaml").read_bytes()
    assert main(_args(moved)) == 0
    out, err = capsys.readouterr()
    assert out.startswith("--- a/") and "+      - url: https://github.com/owner/repo  # was " in out
    assert "6 edits proposed" in err and "--accept-archived https://dead.example.net/corpus.zip" in err
    assert "not tried as https:// (--offline)" in err
    assert main(_args(moved, "--check")) == 1
    assert (moved / "registry.yaml").read_bytes() == before


def test_cli_apply_writes_edits_and_plan_then_finds_nothing(moved, capsys):
    """--apply writes the edits and the JSON plan; the same snapshot then proposes nothing more."""
    plan_file = moved / "plan.json"
    assert main(_args(moved, "--apply", "--plan", str(plan_file))) == 0
    assert "wrote 6 edits" in capsys.readouterr().err
    text = (moved / "registry.yaml").read_text(encoding="utf-8")
    assert "https://github.com/new-org/NewName/tree/main/data?plain=1#readme  # as the paper cites it  # was " in text
    plan = FixPlan.model_validate_json(plan_file.read_bytes())
    assert len(plan.edits) == 6 and plan.suggestions[0].url == fx.DEAD
    assert main(_args(moved, "--check")) == 0
    assert capsys.readouterr().out == ""


def test_cli_apply_edits_a_symlinked_registry_in_place_and_keeps_its_mode(moved, capsys):
    """--apply through a symlink edits the file it points at (the link stays a link); the file's mode is kept."""
    real = moved / "real.yaml"
    (moved / "registry.yaml").rename(real)
    (moved / "registry.yaml").symlink_to(real.name)
    real.chmod(0o600)
    assert main(_args(moved, "--apply")) == 0
    assert "wrote 6 edits" in capsys.readouterr().err
    assert (moved / "registry.yaml").is_symlink()
    assert "# was https://github.com/old-owner/OldName" in real.read_text(encoding="utf-8")
    assert real.stat().st_mode & 0o777 == 0o600


def test_cli_accept_archived(moved, capsys):
    """--accept-archived URL --apply records the copy; an unknown URL is exit 2 with one sentence."""
    assert main(_args(moved, "--accept-archived", fx.DEAD, "--apply")) == 0
    assert f"archived: {fx.WAYBACK}  # archived copy accepted" in (moved / "registry.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(_args(moved, "--accept-archived", "https://nowhere.example/")) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("crawler: --accept-archived https://nowhere.example/: no link of ") and "\n" not in err


def test_cli_errors_are_one_sentence_with_exit_2(moved, capsys, monkeypatch):
    """No snapshot, a snapshot of another registry, an unwritable registry: exit 2, one line naming the file."""
    assert main(["fix", "--registry", str(moved / "registry.yaml"), "--out", str(moved / "nowhere")]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"crawler: {moved / 'nowhere' / 'latest.json'}: no such snapshot; run `python -m crawler run` first."
    )
    other = moved / "other.json"
    other.write_text(dump_snapshot_json(_all_ok_snapshot(SHIPPED.read_text(encoding="utf-8"))), encoding="utf-8")
    assert main(_args(moved, "--snapshot", str(other))) == 2
    assert "was made from another registry" in capsys.readouterr().err
    monkeypatch.setattr("os.access", lambda path, mode: False)  # tests run as root, who may write anything
    before = (moved / "registry.yaml").read_bytes()
    assert main(_args(moved, "--apply")) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{moved / 'registry.yaml'}: cannot write it (permission denied); nothing was changed."
    assert (moved / "registry.yaml").read_bytes() == before


def test_plan_json_round_trips():
    """The JSON plan the workflow hands to `gh_actions pr-body` reads back as the same plan."""
    plan = _plan(fx.moved_yaml())
    assert FixPlan.model_validate_json(plan.model_dump_json()) == plan
    assert json.loads(plan.model_dump_json())["date"] == "2026-11-30"


def test_a_readme_notice_naming_no_valid_url_is_not_proposed():
    """A README that names something the registry cannot hold (a space in it) gives a note, not an edit."""
    text = fx.moved_yaml()
    snapshot = fx.snapshots(text)[-1]
    for _, record in snapshot.links():
        if record.github is not None and record.github.moved_to:
            record.github.moved_to = "https://github.com/lab/new repo"
    plan = _plan(text, snapshot)
    assert all(e.old_url != "https://github.com/lab/old-repo" for e in plan.edits)
    assert any(note.startswith("https://github.com/lab/old-repo: not proposed: ") for note in plan.notes)


def test_a_readme_notice_naming_something_other_than_a_repository_is_only_noted():
    """'v1 deprecated, download v2 from <file>' does not move the repository link; a GitLab project does."""
    text = fx.moved_yaml()
    for target, proposed in (
        ("https://drive.google.com/file/d/abc/view", False),
        ("https://github.com/lab/new-repo/blob/main/README.md", False),
        ("https://gitlab.com/lab/new-repo", True),
        ("https://github.com/Lab/Old-Repo", False),  # itself, in other case: no edit (names are case-insensitive)
    ):
        snapshot = fx.snapshots(text)[-1]
        for _, record in snapshot.links():
            if record.github is not None and record.github.moved_to:
                record.github.moved_to = target
        plan = _plan(text, snapshot)
        moved = [e.new_url for e in plan.edits if e.old_url == "https://github.com/lab/old-repo"]
        assert moved == ([target] if proposed else []), target
        noted = f"https://github.com/lab/old-repo: not proposed: its README names {target}, which is not a repository"
        assert (noted in plan.notes) is (target.startswith("https://drive") or target.endswith(".md"))


def test_every_link_of_the_shipped_registry_can_be_edited_in_place():
    """Moving every URL of the shipped registry changes exactly the url lines; every other line stays."""
    text = SHIPPED.read_text(encoding="utf-8")
    registry, _ = parse_registry(text)
    edits = [
        Edit(entry_id=entry.id, link_index=i, old_url=link.url, new_url=link.url + "-moved", changes=[])
        for entry in registry.entries
        for i, link in enumerate(entry.links)
    ]
    new = apply_edits(text, edits, today=fx.TODAY, filename="registry.yaml")
    old_lines, new_lines = text.splitlines(), new.splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert len(changed) == len(edits) > 20
    for before, after in changed:
        url = before.split("url: ", 1)[1].split()[0]
        assert after.startswith(before.split(" #")[0].replace(url, url + "-moved"))
        assert after.endswith(f"# was {url} (crawler fix 2026-11-30)")


def test_the_diff_of_a_registry_given_by_absolute_path_has_plain_a_b_prefixes():
    """An absolute registry path gives ``--- a/tmp/x.yaml``, not ``a//tmp/x.yaml``, so `git apply`/`patch -p1` read it."""
    diff = registry_diff("a: 1\n", "a: 2\n", "/tmp/x.yaml")
    assert diff.startswith("--- a/tmp/x.yaml\n+++ b/tmp/x.yaml\n")
