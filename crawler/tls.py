"""The verifying TLS contexts the run's client uses, each built once per CA file and process.

``SSL_CERT_FILE`` (a :class:`Settings` field, never read from ``os.environ`` here) replaces the CA
bundle, certifi's by default, on the aiohttp pool and on the proxy transports alike. ``net.py``
builds the transports; this module only decides what they verify with.
"""

from __future__ import annotations

import functools
import ssl

import httpx

from crawler.settings import Settings

__all__ = ["connector_ssl", "ssl_context"]


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


def connector_ssl(settings: Settings) -> ssl.SSLContext | bool:
    """What the aiohttp pool verifies with: ``True`` (aiohttp's default context, built when aiohttp
    is imported, ``aiohttp/connector.py`` ``_SSL_CONTEXT_VERIFIED``) when ``SSL_CERT_FILE`` names
    OpenSSL's compiled-in CA file, which that context loads anyway (a third copy of the same bundle
    would cost another ~20 ms of start-up). Otherwise the shared context of :func:`ssl_context`.

    The comparison is with ``openssl_cafile``, not ``cafile``: the latter *is* ``SSL_CERT_FILE``
    when that variable is set, and aiohttp's context reflects the environment as it was at import
    time, so it would silently replace the user's bundle (a corporate CA) with another.
    """
    cafile = settings.ssl_cert_file
    if cafile and cafile == ssl.get_default_verify_paths().openssl_cafile:
        return True
    return ssl_context(settings)
