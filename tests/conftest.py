"""Shared test fixtures. Every test runs with instant retries and without real network."""

from __future__ import annotations

import pytest

from crawler import retry


@pytest.fixture(autouse=True)
def _instant_retries():
    """Retries compute their waits but never sleep."""
    retry.set_testing(True)
    yield
    retry.set_testing(False)
