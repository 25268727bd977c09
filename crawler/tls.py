"""The verifying TLS contexts the run's client uses, each built once per CA file and process.

``SSL_CERT_FILE`` (a :class:`Settings` field, never read from ``os.environ`` here) replaces the CA
bundle, certifi's by default, on the aiohttp pool and on the proxy transports alike: one context
per CA file, shared by every client (aiohttp's own import-time defaults are never used and load no
CA store, ``crawler/aio.py``). ``net.py`` builds the transports; this module only decides what
they verify with.
"""

from __future__ import annotations

import functools
import ssl

import httpx

from crawler.settings import Settings

__all__ = ["ssl_context"]


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """The verifying TLS context for *settings*: ``SSL_CERT_FILE``'s bundle, else certifi's.

    Built once per CA file and process, then shared by every client and proxy transport:
    loading a bundle costs ~20 ms of CPU. Raises ``OSError`` when the file cannot be loaded.
    """
    return _context_for(settings.ssl_cert_file)


@functools.cache
def _context_for(cafile: str | None) -> ssl.SSLContext:
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    return httpx.create_ssl_context(trust_env=False)  # certifi's bundle, as httpx does by default
