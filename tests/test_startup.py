"""Start-up discipline: what `--help` imports, and how commands keep the collector out of the crawl."""

from __future__ import annotations

import gc
import subprocess
import sys

from crawler.cli.common import CRAWL_GC_THRESHOLD, collector_kept_out, startup_done


def test_help_imports_no_network_or_model_library():
    """`python -m crawler --help` parses flags without importing aiohttp, httpx, pydantic or rich."""
    code = (
        "import sys, runpy\n"
        "sys.argv = ['crawler', '--help']\n"
        "try:\n    runpy.run_module('crawler', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('aiohttp', 'httpx', 'pydantic', 'rich', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_collector_is_off_in_start_up_frozen_for_the_crawl_and_restored_after():
    """Off during start-up, frozen with a high threshold after startup_done(), as before on exit."""
    before = (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count())
    with collector_kept_out():
        assert not gc.isenabled()
        startup_done()
        assert gc.isenabled() and gc.get_threshold() == CRAWL_GC_THRESHOLD and gc.get_freeze_count() > 0
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == before
