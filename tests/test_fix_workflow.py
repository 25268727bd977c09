"""The scheduled job's pull-request step, executed for real: git against a local bare origin, a fake `gh`.

What it promises: one branch and one pull request, created then updated; closed when nothing is
left to fix; never a push over a person's commit on that branch (a comment instead).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from crawler.models import GitHubMeta, LinkResult, LinkStatus, Outcome, Registry
from crawler.snapshot import build_snapshot, dump_snapshot_json, sha256_hex

ROOT = Path(__file__).resolve().parent.parent
BOT = "41898282+github-actions[bot]@users.noreply.github.com"
BRANCH = "crawler/fix-links"
NOW = datetime(2026, 11, 30, 4, 17, tzinfo=UTC)
REGISTRY = """\
# two links; the first moved
version: 1
entries:
  - id: moved
    name: Moved
    links:
      - url: https://github.com/old/repo
        kind: repository
      - url: https://example.org/
        kind: homepage
"""
MOVED = "https://github.com/old/repo"


def _step() -> str:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "crawl.yml").read_text(encoding="utf-8"))
    (checkout,) = [s for s in workflow["jobs"]["crawl"]["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0  # `git log HEAD..BRANCH` needs main's history to tell whose commits
    (step,) = [s for s in workflow["jobs"]["crawl"]["steps"] if "-m crawler fix" in s.get("run", "")]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    return step["run"]


def _snapshot(text: str, renamed: bool) -> str:
    registry = Registry.model_validate(yaml.safe_load(text))
    result = LinkResult(
        url=MOVED, status=LinkStatus.REDIRECTED if renamed else LinkStatus.OK, reason="ok", checked_at=NOW
    )
    meta = GitHubMeta(full_name="new/repo" if renamed else "old/repo", stars=1, forks=0, fetched_at=NOW)
    outcomes = {
        MOVED: Outcome(result=result, github=meta),
        "https://example.org/": Outcome(
            result=LinkResult(url="https://example.org/", status=LinkStatus.OK, reason="ok", checked_at=NOW)
        ),
    }
    snap = build_snapshot(
        registry,
        registry_path="registry.yaml",
        registry_sha256=sha256_hex(text),
        outcomes=outcomes,
        previous=None,
        now=NOW,
        tool_version="0.1.0",
    )
    return dump_snapshot_json(snap)


class Job:
    """A checkout of a local origin, a fake `gh` that logs its calls, and the step's environment."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.origin = tmp / "origin.git"
        self.work = tmp / "work"
        self.gh_log = tmp / "gh.log"
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        gh = bin_dir / "gh"
        # `gh pr list ... --jq` prints the open pull request's number, or nothing.
        gh.write_text('#!/bin/sh\necho "$*" >> "$GH_LOG"\nif [ "$1 $2" = "pr list" ]; then echo "$FAKE_PR"; fi\n')
        gh.chmod(0o755)
        self.env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GH_LOG": str(self.gh_log),
            "FAKE_PR": "",
            "FIX_BRANCH": BRANCH,
            "BOT_EMAIL": BOT,
            "CONFIRM_AFTER": "2",
            "BASE": "main",
            "RUN_URL": "https://github.com/o/r/actions/runs/1",
            "RUNNER_TEMP": str(tmp),
        }
        self.git("init", "--quiet", "--bare", "--initial-branch=main", str(self.origin), cwd=tmp)
        self.git("clone", "--quiet", str(self.origin), str(self.work), cwd=tmp)
        venv_python = self.work / ".venv" / "bin" / "python"
        venv_python.parent.mkdir(parents=True)
        venv_python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
        venv_python.chmod(0o755)
        (self.work / ".gitignore").write_text(".venv/\n")

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["git", *args], cwd=cwd or self.work, env=self.env, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def commit_main(self, text: str, renamed: bool, who: str = "Maintainer <m@example.org>") -> None:
        (self.work / "registry.yaml").write_text(text, encoding="utf-8")
        (self.work / "reports").mkdir(exist_ok=True)
        (self.work / "reports" / "latest.json").write_text(_snapshot(text, renamed), encoding="utf-8")
        name, email = who[:-1].split(" <")
        self.git("add", "-A")
        self.git("-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "--quiet", "-m", "main")
        self.git("push", "--quiet", "origin", "HEAD:main")

    def run_step(self, open_pr: str = "") -> list[str]:
        self.gh_log.write_text("")
        self.git("switch", "--quiet", "main")
        self.git("reset", "--quiet", "--hard", "origin/main")
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", _step()],  # as GitHub runs `run:` steps
            cwd=self.work,
            env={**self.env, "FAKE_PR": open_pr},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return self.gh_log.read_text().splitlines()

    def branch(self) -> str:
        return self.git("ls-remote", str(self.origin), f"refs/heads/{BRANCH}")


@pytest.mark.timeout(120)
def test_one_pull_request_created_updated_never_over_a_person_and_closed(tmp_path):
    """Create, then update (force-push of the bot's own commit), then comment over a person's commit, then close."""
    job = Job(tmp_path)
    job.commit_main(REGISTRY, renamed=True)

    calls = job.run_step()
    assert calls[0].startswith(f"pr list --head {BRANCH} --state open")
    assert calls[1].startswith(f"pr create --base main --head {BRANCH} --title")
    job.git("fetch", "--quiet", "origin", f"+refs/heads/{BRANCH}:refs/remotes/origin/{BRANCH}")
    fixed = job.git("show", f"origin/{BRANCH}:registry.yaml")
    assert "- url: https://github.com/new/repo  # was https://github.com/old/repo (crawler fix " in fixed
    assert job.git("log", "-1", "--format=%ae %ce", f"origin/{BRANCH}") == f"{BOT} {BOT}"

    job.commit_main(REGISTRY + "  # a later edit on main\n", renamed=True)  # main moved on: the branch is rebuilt
    first = job.branch()
    assert job.run_step(open_pr="7")[1:] == [f"pr edit 7 --body-file {tmp_path}/pull-request.md"]
    assert job.branch() != first and job.git("rev-list", "--count", f"origin/main..{job.branch().split()[0]}") == "1"

    job.git("fetch", "--quiet", "origin", f"+refs/heads/{BRANCH}:refs/remotes/origin/{BRANCH}")
    job.git("switch", "--quiet", "-C", "human", f"origin/{BRANCH}")
    (job.work / "NOTE.md").write_text("a person's work\n")
    job.git("add", "NOTE.md")
    job.git("-c", "user.name=Alice", "-c", "user.email=alice@example.org", "commit", "--quiet", "-m", "mine")
    job.git("push", "--quiet", "origin", f"HEAD:refs/heads/{BRANCH}")
    human = job.branch()
    calls = job.run_step(open_pr="7")
    assert job.branch() == human  # not overwritten
    assert calls[1:] == [f"pr comment 7 --body-file {tmp_path}/pull-request.md"]

    fixed_text = REGISTRY.replace("https://github.com/old/repo", "https://github.com/new/repo")
    job.commit_main(fixed_text, renamed=False)  # merged by hand: nothing left to fix
    calls = job.run_step(open_pr="7")
    assert job.branch() == human and calls[1].startswith("pr comment 7 --body Nothing left to fix")

    job.git("push", "--quiet", "origin", f"{first.split()[0]}:refs/heads/{BRANCH}", "--force")  # the bot's again
    calls = job.run_step(open_pr="7")
    assert calls[1:] == [
        "pr close 7 --delete-branch --comment Nothing left to fix (crawl: https://github.com/o/r/actions/runs/1)."
    ]
