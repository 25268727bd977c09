"""The command-line frame, in process and as `python -m crawler`: version, help with examples, usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler import __version__
from crawler.cli import main  # noqa: E402

SUBCOMMANDS = ["run", "check", "validate", "report", "diff", "import"]


def call(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run main() in process; argparse's exits are turned back into exit codes."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    out, err = capsys.readouterr()
    return code, out, err


def crawler(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_version(capsys):
    """--version prints the package version and exits 0."""
    assert call(["--version"], capsys)[:2] == (0, f"crawler {__version__}\n")


def test_top_level_help_lists_every_subcommand_and_the_exit_codes(capsys):
    """`--help` names each subcommand and documents the exit codes."""
    code, out, _ = call(["--help"], capsys)
    assert code == 0
    for name in SUBCOMMANDS:
        assert name in out
    assert "Exit codes: 0" in out and "3 aborted" in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help_with_examples(name, capsys):
    """`<subcommand> --help` exits 0 and shows at least one runnable example of that subcommand."""
    code, out, _ = call([name, "--help"], capsys)
    assert code == 0
    assert "examples:" in out
    assert f"python -m crawler {name}" in out.split("examples:", 1)[1]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["run", "--no-such-flag"],
        ["run", "--concurrency", "0"],
        ["run", "--host-concurrency", "-3"],
        ["run", "--fail-on", "sometimes"],
        ["run", "--only", "github,gitlab"],
        ["run", "--only", ","],
        ["diff"],
    ],
    ids=lambda argv: " ".join(argv) or "no-command",
)
def test_bad_usage_exits_2_with_usage_and_no_traceback(argv, capsys):
    """Bad usage (no command, unknown command/flag, bad value, unknown --only part, missing argument) exits 2."""
    code, _, err = call(argv, capsys)
    assert code == 2
    assert "usage:" in err and "error:" in err and "Traceback" not in err


def test_unknown_only_value_names_the_choices(capsys):
    """An unknown --only part is explained with the valid choices."""
    _, _, err = call(["run", "--only", "links,gitlab"], capsys)
    assert "links, github, huggingface" in err


def test_version_and_help_as_a_subprocess():
    """`python -m crawler --version` and `run --help` work as a real process, exit 0."""
    version = crawler("--version")
    assert (version.returncode, version.stdout) == (0, f"crawler {__version__}\n")
    helped = crawler("run", "--help")
    assert helped.returncode == 0 and "examples:" in helped.stdout and "--fail-on" in helped.stdout


def test_bad_usage_as_a_subprocess_exits_2():
    """A usage error in a real process exits 2 with argparse's message on stderr, nothing on stdout."""
    proc = crawler("run", "--only", "nope")
    assert proc.returncode == 2
    assert proc.stdout == "" and "--only" in proc.stderr and "Traceback" not in proc.stderr
