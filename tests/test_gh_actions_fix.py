"""The fix pull request's helpers: its body (escaped, cut to the limit) and the whose-branch check."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from crawler import gh_actions
from crawler.fix.plan import ArchiveSuggestion, Change, Edit, FixPlan, plan_fixes
from crawler.gh_actions import PR_MARKER, issue_size, only_bot_commits, pr_body
from crawler.models import ArchiveCopy
from crawler.snapshot import sha256_hex
from tests import fix_fixture as fx
from tests import snapshot_factory as sf
from tests.snapshot_factory import assert_golden

BOT = "41898282+github-actions[bot]@users.noreply.github.com"
HOSTILE = "@octocat #1 <script>alert(1)</script> [x](javascript:alert(1)) `tick`\n# Heading"


def _moved_plan() -> FixPlan:
    text = fx.moved_yaml()
    return plan_fixes(
        fx.registry(text),
        fx.snapshots(text)[-1],
        registry_name="registry.yaml",
        snapshot_name="reports/latest.json",
        registry_sha256=sha256_hex(text),
        today=fx.TODAY,
        https_ok={"https://corpus.example.org/download": True, "https://plain.example.org/": False},
    )


def test_pr_body_golden_lists_each_edit_and_why():
    """Each edit as entry: old → new with its reasons, the archived copies waiting, what was not proposed."""
    body = pr_body(_moved_plan(), run_url="https://github.com/o/r/actions/runs/1")
    assert body.startswith(PR_MARKER + "\n**7 registry edits**")
    assert_golden("fix-pr-body.md", body)


def test_pr_body_escapes_what_the_web_and_contributors_wrote():
    """A README notice and redirect targets cannot inject markup, mentions, references or HTML."""
    text = sf.REGISTRY_YAML_BLOCK
    plan = plan_fixes(
        sf.registry(text),
        sf.snapshot(1),
        registry_name="registry.yaml",
        snapshot_name="latest.json",
        registry_sha256=sha256_hex(text),
        today=fx.TODAY,
    )
    plan.edits.append(
        Edit(
            entry_id="x",
            link_index=0,
            old_url="https://github.com/a/b",
            new_url="https://github.com/a/c",
            changes=[Change(cause="readme-notice", why=f"the repository's README says: {HOSTILE}")],
        )
    )
    body = pr_body(plan)
    assert "<script>" not in body and "@octocat" not in body and "\n# Heading" not in body
    assert "](javascript:" not in body
    assert "<https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese-v2?x=|%3Cscript%3E>" in body


def test_pr_body_stays_under_the_limit():
    """Thousands of edits are cut by whole lines with a note, never over GitHub's 65,536 characters."""
    plan = _moved_plan()
    edit = plan.edits[0]
    plan.edits = [edit.model_copy(update={"entry_id": f"e{i}"}) for i in range(3000)]
    body = pr_body(plan)
    assert issue_size(body) <= gh_actions.PR_BODY_LIMIT
    assert "more lines cut to stay under GitHub's 65,536-character limit" in body


def test_pr_body_with_only_suggestions():
    """No edit but an archived copy waiting: the body says 0 edits and names the copy and the command."""
    plan = FixPlan(
        registry="registry.yaml",
        snapshot="latest.json",
        snapshot_generated_at=datetime(2026, 1, 5, tzinfo=UTC),
        date=fx.TODAY,
        suggestions=[
            ArchiveSuggestion(
                entry_id="gone", url=fx.DEAD, archive=ArchiveCopy(url=fx.WAYBACK, source="software-heritage")
            )
        ],
    )
    body = pr_body(plan)
    assert "**0 registry edits**" in body and "Software Heritage copy" in body
    assert "--accept-archived URL --apply" in body


@pytest.mark.parametrize(
    ("log", "ours"),
    [
        ("", True),
        (f"{BOT}\t{BOT}\n{BOT}\t{BOT}\n", True),
        (f"{BOT}\t{BOT}\nalice@example.org\t{BOT}\n", False),  # authored by a person, committed by the bot
        (f"{BOT}\tnoreply@github.com\n", False),  # committed through the web interface
        (f"{BOT.upper()}\t{BOT}\n", True),  # emails compare case-insensitively
    ],
)
def test_only_bot_commits(log, ours):
    """The branch is the bot's only when every commit's author and committer are the bot."""
    assert only_bot_commits(log, BOT) is ours


def test_cli_pr_body_and_branch_is_ours(tmp_path, capsys, monkeypatch):
    """`pr-body PLAN` prints the body; `branch-is-ours` reads git log from stdin; a bad plan is exit 2."""
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(_moved_plan().model_dump_json(), encoding="utf-8")
    assert gh_actions.main(["pr-body", str(plan_file)]) == 0
    assert capsys.readouterr().out.startswith(PR_MARKER)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"alice@example.org\t{BOT}\n"))
    assert gh_actions.main(["branch-is-ours", "--bot-email", BOT]) == 0
    assert capsys.readouterr().out == "false\n"
    plan_file.write_text("{}", encoding="utf-8")
    assert gh_actions.main(["pr-body", str(plan_file)]) == 2
    assert "not a plan written by `crawler fix --plan`" in capsys.readouterr().err
