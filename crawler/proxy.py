"""Forward proxies: which URLs go through ``HTTPS_PROXY``/``HTTP_PROXY``, and which answers the
proxy may have written itself.

Proxied requests use httpx's own transport (it implements CONNECT tunnels and ``NO_PROXY`` the way
users expect; a proxied run is bounded by the proxy anyway); ``NO_PROXY`` hosts stay on the aiohttp
pool. The settings come from :class:`Settings`, never from ``os.environ``. ``net.py`` builds the
transports (:class:`ProxyTransport` included); this module defines them and the mount table.

A plain ``http://`` request through a proxy that cannot reach the host gets the *proxy's* answer
(RFC 9110 15.6.3/15.6.5: 502/504 "while acting as a gateway or proxy"; squid's 503 for DNS and
connect failures; 407, its own login): that counts as no answer (``PROXY_ERRORS``).
"""

from __future__ import annotations

import ipaddress

import httpx

from crawler.settings import Settings

__all__ = ["PROXY_ERRORS", "ProxyTransport", "proxy_error", "proxy_mounts"]

# What a forward proxy answers itself when it cannot reach the host or wants its own login.
PROXY_ERRORS = frozenset({407, 502, 503, 504})
_VIA_PROXY = "crawler_via_proxy"  # response extension set by ProxyTransport


class ProxyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport through a proxy; marks answers to plain-http requests (``_VIA_PROXY``),
    which the proxy itself may have written (through a CONNECT tunnel only the host speaks)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.url.scheme == "http":
            response.extensions = {**response.extensions, _VIA_PROXY: True}
        return response


def proxy_error(response: httpx.Response) -> bool:
    """Whether *response* is a ``PROXY_ERRORS`` status a proxy may have written, not the host."""
    return response.status_code in PROXY_ERRORS and bool(response.extensions.get(_VIA_PROXY))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def proxy_mounts(settings: Settings) -> dict[str, str | None]:
    """URL pattern -> proxy URL (None: go direct), derived as httpx derives it from the
    environment, but from *settings*. Empty when no proxy is configured or ``NO_PROXY=*``."""
    mounts: dict[str, str | None] = {}
    for scheme, proxy in (("http", settings.http_proxy), ("https", settings.https_proxy)):
        if proxy:
            mounts[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"
    if not mounts:
        return {}
    for raw in (settings.no_proxy or "").split(","):
        host = raw.strip()
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            mounts[host] = None
        elif ":" not in host and _is_ip(host.split("/")[0]):
            mounts[f"all://{host}"] = None
        elif _is_ip(host.strip("[]")):
            mounts[f"all://[{host.strip('[]')}]"] = None
        elif host.lower() == "localhost":
            mounts[f"all://{host}"] = None
        else:
            mounts[f"all://*{host}"] = None
    return mounts
