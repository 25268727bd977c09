"""The -v help of each command says only what it does."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", ["validate", "report", "diff", "import"])
def test_offline_commands_help_does_not_offer_every_request(command):
    """The offline commands' -v help does not promise '-vv: every request': they send none."""
    shown = subprocess.run([sys.executable, "-m", "crawler", command, "--help"], capture_output=True, text=True)
    assert shown.returncode == 0 and "-v, --verbose" in shown.stdout and "every request" not in shown.stdout
