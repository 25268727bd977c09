"""Baidu Netdisk (百度网盘) shares: alive, alive behind an extraction code, or gone and why.

Claimed links: ``pan.baidu.com/s/<surl>``, ``/share/init?surl=<surl>``, ``/share/link?shareid=..&uk=..``
(also on ``yun.baidu.com``). Requests go to ``{BAIDU_PAN_URL}`` (default https://pan.baidu.com)
with the link's path and query; redirects are followed inside that host (at most 3).

Netdisk answers 200 for shares that are gone, with a message in the page, so a capped GET body
(64 KiB, read through ``crawler.net.exchange``, decoded as UTF-8 with ``errors="replace"``) is
searched for the messages. The markers and behaviours come from public share checkers (read with
the search tool): the ``ERRORTYPE_TO_MESSAGE`` tables of Netdisk clients (errtype 0 "啊哦，你来晚了，分享的
文件已经被删除了，下次要早点哟。", 1 "...分享的文件已经被取消了...", 3 "此链接分享内容可能因为涉及侵权、色情、反动、低俗等信息，
无法访问！", 5 "啊哦！链接错误没找到文件，请打开正确的分享链接!", 10 "啊哦，来晚了，该分享文件已过期", 11 "由于访问次数过多，该分享
链接已失效"), and share checkers noting that "a share with a password is redirected to the page asking for
it (/share/init?surl=)" and "a share that does not exist is redirected to
https://pan.baidu.com/error/404.html, with status 200":

- deleted or cancelled -> ``broken``, cause ``removed``; expired -> ``expired``; banned (the
  infringement message) -> ``banned``; the "链接错误没找到文件" page or a redirect to ``/error/404.html``
  / ``/share/error`` -> ``broken``, cause ``not-found``;
- a redirect to ``/share/init`` or a page asking "请输入提取码" -> ``ok``, access ``code``;
- a page showing the shared files ("给您分享了" / "server_filename" / "提取文件") -> ``ok``,
  access ``login`` (Netdisk downloads need a Baidu account);
- anything else -> ``unverified``, cause ``unrecognised-page`` (a false ``ok`` is worse).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import parse_qs, urlsplit

from crawler.settings import Settings
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.hostkit import HostClient, answer_batch, answer_for_each, matches_host
from crawler.status import Access, LinkStatus

__all__ = ["SOURCE", "BaiduPanSource", "read_share_page", "share_ref"]

_HOSTS = frozenset({"pan.baidu.com", "yun.baidu.com"})
_CAP = 64 * 1024
_HOPS = 3
# (marker, cause, reason): the first that matches decides; order matters (gone before alive).
_GONE: tuple[tuple[str, str, str], ...] = (
    ("分享的文件已经被删除了", "removed", "the shared files were deleted"),
    ("分享的文件已经被取消了", "removed", "the share was cancelled"),
    ("涉及侵权、色情、反动、低俗", "banned", "the share was blocked for its content"),
    ("该分享文件已过期", "expired", "the share expired"),
    ("分享已过期", "expired", "the share expired"),
    ("链接已过期", "expired", "the share expired"),
    ("由于访问次数过多，该分享链接已失效", "expired", "the share link was disabled after too many visits"),
    ("链接错误没找到文件", "not-found", "no such share"),
    ("你所访问的页面不存在了", "not-found", "no such share"),
)
_CODE = ("请输入提取码", "输入提取码", "提取码")
_ALIVE = ("给您分享了", "给您加密分享了", "server_filename", "提取文件", "share_uk")
_ERROR_PATHS = ("/error/", "/share/error")


def share_ref(url: str, settings: Settings) -> str | None:
    """The request URL (on the configured base) for a Netdisk share link, else None."""
    parts = matches_host(url, _HOSTS, settings.baidu_pan_url)
    if parts is None:
        return None
    query = parse_qs(parts.query)
    if not (
        (parts.path.startswith("/s/") and len(parts.path) > 3)
        or (parts.path == "/share/init" and query.get("surl"))
        or (parts.path == "/share/link" and query.get("shareid"))
    ):
        return None
    return settings.baidu_pan_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def read_share_page(text: str) -> tuple[LinkStatus, str | None, Access | None, str]:
    """``(status, cause, access, reason)`` for a share page's text."""
    for marker, cause, reason in _GONE:
        if marker in text:
            return LinkStatus.BROKEN, cause, None, reason
    if any(marker in text for marker in _CODE):
        return LinkStatus.OK, None, Access.CODE, "the share exists and asks for an extraction code"
    if any(marker in text for marker in _ALIVE):
        return LinkStatus.OK, None, Access.LOGIN, "the share lists its files (download needs a Baidu account)"
    return LinkStatus.UNVERIFIED, "unrecognised-page", None, "the page matches no known share state"


class BaiduPanSource:
    name = "baidu-pan"

    def claims(self, url: str, settings: Settings) -> bool:
        """Baidu Netdisk share links."""
        return share_ref(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One capped GET per share (plus redirects inside Netdisk)."""

        from crawler.models import LinkMeta

        async def lookup(api: HostClient, target: str) -> Callable[[str], Answered | PageCheck]:
            origin = urlsplit(target)[:2]
            reply = await api.get(target, accept="text/html", cap=_CAP)
            hops = [target]
            for _ in range(_HOPS):
                location = reply.location
                if location is None or urlsplit(location)[:2] != origin:
                    break
                hops.append(location)
                if urlsplit(location).path == "/share/init" or urlsplit(location).path.startswith(_ERROR_PATHS):
                    break  # the redirect itself says what the share is
                reply = await api.get(location, accept="text/html", cap=_CAP)
            at = ctx.now()
            last = urlsplit(hops[-1]).path
            status: LinkStatus
            access: Access | None
            if last.startswith(_ERROR_PATHS) or reply.status == 404:
                status, cause, access, why = LinkStatus.BROKEN, "not-found", None, "no such share (error page)"
            elif last == "/share/init" and len(hops) > 1:
                status, cause, access, why = LinkStatus.OK, None, Access.CODE, "the share asks for an extraction code"
            elif reply.status == 200:
                status, cause, access, why = read_share_page(reply.text())
            else:
                return lambda url: PageCheck(why=f"Baidu Netdisk answered HTTP {reply.status}")
            meta = LinkMeta(source="baidu-pan", access=access, fetched_at=at) if access else None
            reason = f"Baidu Netdisk: {why}"
            http = 404 if reply.status == 404 else 200
            return answer_for_each(status, reason, at, http=http, cause=cause, meta=meta)

        return await answer_batch(
            urls, ctx, lambda url: share_ref(url, ctx.settings), lookup, "Baidu Netdisk", page_says_nothing=True
        )


SOURCE = BaiduPanSource()
