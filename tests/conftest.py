"""Shared test fixtures. Every test runs with instant retries and without real network."""

from __future__ import annotations

import errno
import ipaddress
import socket

import pytest

from crawler import retry


@pytest.fixture(autouse=True)
def _instant_retries():
    """Retries compute their waits but never sleep."""
    retry.set_testing(True)
    yield
    retry.set_testing(False)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0]).split("%", 1)[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise OSError(errno.ENETUNREACH, f"tests connect to IP addresses only, not {host!r}") from None
        if not ip.is_loopback:
            raise OSError(errno.ENETUNREACH, f"tests never reach the internet (tried {host})")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _loopback_only(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _loopback_only(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Any connection from the test process to a non-loopback address fails at once (ENETUNREACH)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield
