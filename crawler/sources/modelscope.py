"""ModelScope models and datasets (modelscope.cn and modelscope.ai): existence, licence, downloads.

Claimed links: ``[www.]modelscope.cn/models/<owner>/<name>[/...]`` and ``/datasets/<owner>/<name>[/...]``,
the same on ``modelscope.ai`` (the international site). Requests go to
``{MODELSCOPE_ENDPOINT}/api/v1/models/<owner>/<name>`` or ``/api/v1/datasets/<owner>/<name>``
(default https://www.modelscope.cn; ``.ai`` links to ``MODELSCOPE_INTL_ENDPOINT``,
default https://www.modelscope.ai).

Documented answers (the modelscope SDK, github.com/modelscope/modelscope ``modelscope/hub/api.py``
``HubApi.get_model`` / ``get_dataset_id_and_type`` and ``modelscope/hub/errors.py`` ``is_ok`` /
``raise_on_error`` / ``datahub_raise_on_error``; ``modelscope/hub/info.py`` for the fields):
the API answers HTTP 200 with an envelope ``{"Code": 200, "Success": true, "Data": {...}}`` for a
repository, and HTTP 200 with another ``Code`` and a ``Message`` (``Success: false``) for a missing
one, so the body decides, never the status line. The same envelope carries refusals (``is_ok``'s
docstring example: ``{"Code": 10010101004, "Message": "get model info failed, err: unauthorized
permission", "Success": false}``), so only a Message saying the repository does not exist is
``broken``; a refusal is ``unverified`` (access ``login``), any other code ``unverified``. HTTP 404 means "the model or dataset does not
exist" and 401/403 an invalid or missing token (a private repository). ``Data`` carries ``Name``,
``ChineseName``, ``License`` (e.g. ``Apache License 2.0``), ``Downloads``, ``Stars``/``Likes``,
``LastUpdatedTime`` (Unix seconds). 429/5xx are retried (hostkit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from crawler.settings import Settings
from crawler.sources.base import Answered, PageCheck, SourceContext, SourceReport
from crawler.sources.hostkit import (
    HostClient,
    answer_batch,
    answer_for_each,
    behind_login,
    count,
    matches_host,
    spdx,
    to_datetime,
)
from crawler.status import Access, LinkStatus

if TYPE_CHECKING:  # imported where built: `import crawler.sources` stays pydantic-free (sources/__init__.py)
    from crawler.models import LinkMeta

__all__ = ["SOURCE", "ModelScopeSource", "repo_ref"]

Kind = Literal["models", "datasets"]
_CN = frozenset({"modelscope.cn", "www.modelscope.cn"})
_AI = frozenset({"modelscope.ai", "www.modelscope.ai"})
_PATH = re.compile(r"^/(models|datasets)/([A-Za-z0-9][\w.-]*)/([A-Za-z0-9][\w.-]*)(?:/|$)")
# The body's Message for a missing repository ("Model not exists!", "dataset not found", 不存在) and for
# one the caller may not see (the SDK's is_ok example: "get model info failed, err: unauthorized permission").
_MISSING = re.compile(r"not ?exist|not found|does not exist|no such|不存在", re.IGNORECASE)
_DENIED = re.compile(r"unauthori[sz]ed|permission|forbidden|login|token|private|无权限|权限", re.IGNORECASE)


def repo_ref(url: str, settings: Settings) -> tuple[str, Kind, str, str] | None:
    """``(endpoint, kind, owner, name)`` for a ModelScope model or dataset link, else None."""
    for hosts, endpoint in ((_CN, settings.modelscope_endpoint), (_AI, settings.modelscope_intl_endpoint)):
        parts = matches_host(url, hosts, endpoint)
        if parts is None:
            continue
        match = _PATH.match(parts.path)
        if match is None:
            return None
        return endpoint.rstrip("/"), match.group(1), match.group(2), match.group(3)  # type: ignore[return-value]
    return None


def meta_from_data(data: dict[str, Any], at) -> LinkMeta:
    """LinkMeta from the envelope's ``Data``."""
    from crawler.models import LinkMeta

    name = data.get("ChineseName") or data.get("Name")
    return LinkMeta(
        source="modelscope",
        title=str(name) if name else None,
        access=Access.OPEN,
        license=spdx(data.get("License")),
        updated_at=to_datetime(data.get("LastUpdatedTime") or data.get("GmtModified")),
        downloads=count(data.get("Downloads")),
        likes=count(data.get("Stars") if data.get("Stars") is not None else data.get("Likes")),
        fetched_at=at,
    )


class ModelScopeSource:
    name = "modelscope"

    def claims(self, url: str, settings: Settings) -> bool:
        """ModelScope model and dataset links on modelscope.cn and modelscope.ai."""
        return repo_ref(url, settings) is not None

    async def fetch(self, urls: Sequence[str], ctx: SourceContext) -> SourceReport:
        """One API request per repository; the envelope's ``Code`` decides."""
        from crawler.models import LinkMeta

        async def lookup(api: HostClient, ref: tuple[str, Kind, str, str]) -> Callable[[str], Answered | PageCheck]:
            endpoint, kind, owner, name = ref
            reply = await api.get(f"{endpoint}/api/v1/{kind}/{quote(owner)}/{quote(name)}")
            at = ctx.now()
            body = reply.json()
            what = f"{kind[:-1]} {owner}/{name}"
            if reply.status == 404:
                reason = f"ModelScope: {what} does not exist"
                return answer_for_each(LinkStatus.BROKEN, reason, at, http=404, cause="http-404")
            if reply.status in (401, 403):
                meta = LinkMeta(source="modelscope", access=Access.LOGIN, fetched_at=at)
                reason = f"ModelScope: {what} needs a login (private or unknown); existence not verifiable"
                return behind_login(reason, at, reply.status, meta)
            if reply.status != 200 or not isinstance(body, dict) or "Code" not in body:
                why = f"ModelScope answered HTTP {reply.status} without its envelope for {what}"
                return lambda url: PageCheck(why=why)
            data = body.get("Data")
            if body.get("Code") != 200 or body.get("Success") is False or not isinstance(data, dict):
                message = str(body.get("Message") or "")[:200]
                reason = f"ModelScope API: {what}: {message or 'no message'} (Code {body.get('Code')})"
                if _MISSING.search(message):
                    return answer_for_each(LinkStatus.BROKEN, reason, at, http=200, cause="not-found")
                # "unauthorized permission" (a private repository) or a code the SDK does not
                # document: the repository may exist, so no verdict of broken from it.
                private = _DENIED.search(message) is not None
                meta = LinkMeta(source="modelscope", access=Access.LOGIN, fetched_at=at) if private else None
                cause = "login-required" if private else "api-error"
                return answer_for_each(LinkStatus.UNVERIFIED, reason, at, http=200, cause=cause, meta=meta)
            meta = meta_from_data(data, at)
            reason = f"ModelScope API: {what} exists"
            return answer_for_each(LinkStatus.OK, reason, at, http=200, meta=meta)

        return await answer_batch(urls, ctx, lambda url: repo_ref(url, ctx.settings), lookup, "The ModelScope API")


SOURCE = ModelScopeSource()
