"""Corpus-host adapters fed malformed answers over real HTTP: never a crash, never a verdict from garbage.

A field of the wrong type (a string where the documented answer has an object), numbers out of any
range (JSON's ``1e999`` reads as infinity, a Unix time of 10**40) or a list with no project in it
must end in a page check (``PageCheck``) or an answer read from the sane fields, never a traceback
and never ``broken``.
"""

from __future__ import annotations

import pytest

from crawler.models import LinkStatus
from crawler.sources import figshare, modelscope, physionet, zenodo
from crawler.sources.base import Answered, PageCheck
from crawler.sources.hostkit import count, to_datetime
from tests.fakes.fake_hosts import FakeHosts, HostWorld
from tests.test_hosts_e2e import run

CASES = {
    "zenodo": (zenodo.SOURCE, "https://zenodo.org/records/5"),
    "modelscope": (modelscope.SOURCE, "https://modelscope.cn/models/a/b"),
    "physionet": (physionet.SOURCE, "https://physionet.org/content/ptb-xl/"),
    "figshare": (figshare.SOURCE, "https://figshare.com/articles/dataset/x/123"),
}
BODIES = {
    "wrong types": {"id": 5, "metadata": "x", "files": "y", "Code": 200, "Success": True,
                    "Data": {"Name": 5, "License": 7, "LastUpdatedTime": 1e300}},
    "huge numbers": {"id": 5, "metadata": {"title": "t"}, "files": [{"size": 10**40}], "size": 10**40,
                     "version": 10**40, "modified_date": 10**40, "Code": 200, "Success": True,
                     "Data": {"Name": "x", "Downloads": 10**40, "LastUpdatedTime": 10**40}},
    "infinity": '{"id": 5, "metadata": {}, "files": [{"size": 1e999}], "size": 1e999, "version": 1e999,'
                ' "Code": 200, "Success": true, "Data": {"Downloads": 1e999, "LastUpdatedTime": 1e999}}',
    "a list of numbers": [1, 2],
    "physionet fields of the wrong type": [{"slug": "ptb-xl", "title": 5, "license": "x", "main_storage_size": 1e999}],
}  # fmt: skip


@pytest.mark.parametrize("host", sorted(CASES))
@pytest.mark.parametrize("body", sorted(BODIES))
def test_malformed_answers_never_crash_and_never_call_a_link_broken(host, body):
    """Each adapter given a malformed 200 answers a page check or ok from the sane fields, never broken."""
    source, url = CASES[host]
    world = HostWorld()
    world.script(host, 200, BODIES[body], times=3)
    with FakeHosts(world) as fake:
        report = run(source, [url], fake)
    answer = report.answers[url]
    assert isinstance(answer, PageCheck | Answered)
    if isinstance(answer, Answered):
        assert answer.outcome.result.status is LinkStatus.OK


def test_numbers_out_of_range_read_as_unknown():
    """count() and to_datetime() give None for infinity, NaN and times past any calendar."""
    assert count(float("inf")) is None and count(float("nan")) is None and count(10**40) == 10**40
    assert to_datetime(1e300) is None and to_datetime(10**40) is None and to_datetime(1_700_000_000) is not None
