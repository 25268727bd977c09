"""aiohttp, imported without loading the system CA store for two TLS contexts the crawler never uses.

When ``aiohttp.connector`` is first imported it builds ``_SSL_CONTEXT_VERIFIED``
(``ssl.create_default_context()``) and ``_SSL_CONTEXT_UNVERIFIED`` (``set_default_verify_paths()``)
at module level, on purpose, so that no event loop ever blocks on reading certificates
(aio-libs/aiohttp#8672, #9029; ``aiohttp/connector.py`` ``_make_ssl_context``). Each loads the
whole system CA store: ~35 ms of the ``check`` path's start-up on this project's machine
(``benchmarks/README.md``), spent before the first request on contexts this package never
verifies with: the pool's connector (``net._Connector``) always verifies with
:func:`crawler.tls.ssl_context`'s context, built on the first https request, and so do the
proxy transports.

So this module imports aiohttp while ``SSLContext.set_default_verify_paths`` (what
``load_default_certs`` calls off Windows, ``Lib/ssl.py``) does nothing in the importing thread
(other threads' contexts load the CA store as ever): aiohttp's two default
contexts exist but trust no CA at all. A request that ever reached the verified one would fail
certificate verification (a TLS error, never a silent pass); ``tests/test_net_keepalive.py``
checks that the pool never hands it out. If aiohttp was imported before this module (a test's
fake server, another library), its contexts are the normal ones and nothing changes.

Every module of the package imports aiohttp through here: ``from crawler.aio import aiohttp``.
"""

from __future__ import annotations

import ssl
import sys
import threading

__all__ = ["aiohttp"]


def _import_aiohttp_without_default_ca_store() -> None:
    if "aiohttp.connector" in sys.modules:
        return
    # Shadows the C method on the Python subclass for the import only, then puts back what was there.
    # The class is shared by every thread, so the shadow skips the call in the importing thread only:
    # a context another thread builds meanwhile (a test's server, an application's own client) still
    # loads the CA store; measured without this check, 167 of 171 such contexts trusted no CA.
    own = ssl.SSLContext.__dict__.get("set_default_verify_paths")
    load = ssl.SSLContext.set_default_verify_paths  # what any other thread keeps calling
    importing = threading.get_ident()

    def skipped_while_importing(self: ssl.SSLContext) -> None:
        if threading.get_ident() != importing:
            load(self)

    ssl.SSLContext.set_default_verify_paths = skipped_while_importing  # type: ignore[method-assign]
    try:
        import aiohttp.connector  # noqa: F401  (builds the two contexts)
    finally:
        if own is None:
            del ssl.SSLContext.set_default_verify_paths
        else:
            ssl.SSLContext.set_default_verify_paths = own  # type: ignore[method-assign]


_import_aiohttp_without_default_ca_store()

import aiohttp  # noqa: E402  (already imported above; binds the name)
import aiohttp.abc  # noqa: E402
import aiohttp.resolver  # noqa: E402
