"""Settings read from the environment, in this one place.

Nothing else in the package reads ``os.environ``. Secrets are :class:`Secret` so that a
stray ``print(settings)`` or a log line never shows a token.

``Settings`` is a frozen stdlib dataclass, not a pydantic model, and this module imports no
pydantic: every command builds ``Settings.from_env()`` at start-up, and pydantic's ``BaseModel``
plus ``SecretStr`` (``pydantic.main``, ``pydantic.types``, ``secrets``, ``random``) made this
module ~10 ms of the ``check`` start-up; it is ~1.7 ms now (``-X importtime`` on the 2-core
bench machine). The two coercions pydantic's validation did (a str token becomes a
:class:`Secret`, a str ``cache_dir`` a ``Path``) are kept in ``__post_init__``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from crawler import __version__

__all__ = ["Settings", "Secret", "PROJECT_URL", "USER_AGENT"]

PROJECT_URL = "https://github.com/medllm-registry/crawler"
USER_AGENT = f"medllm-crawler/{__version__} (+{PROJECT_URL})"


class Secret:
    """A token or key: :meth:`get_secret_value` gives the string; ``repr``/``str`` never do.

    They show ``'**********'`` as pydantic's ``SecretStr`` did. Equal (and hashing) by value,
    so frozen ``Settings`` compare and hash by value as before; ``len`` (so truth) as ``SecretStr``.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself, for an ``Authorization`` header and nowhere else."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        # As SecretStr's: an empty secret is falsy, so ``if settings.swh_token:`` sends no
        # empty ``Authorization`` header for a token given as "" to the constructor.
        return len(self._value)


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _secret(env: Mapping[str, str], *names: str) -> Secret | None:
    value = _first(env, *names)
    return Secret(value) if value else None


def _graphql_url_for(api_url: str) -> str:
    # GitHub Enterprise Server serves REST at /api/v3 and GraphQL at /api/graphql;
    # github.com serves both from api.github.com.
    if api_url.rstrip("/").endswith("/api/v3"):
        return api_url.rstrip("/")[: -len("/v3")] + "/graphql"
    return api_url.rstrip("/") + "/graphql"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting the crawler reads from the environment (see :meth:`from_env`).

    ``from_env`` strips trailing slashes from base URLs; ``*_token``/``*_key`` fields are
    :class:`Secret` or None. A changed copy: ``dataclasses.replace(settings, cache_dir=...)``.
    """

    github_token: Secret | None = None
    github_api_url: str = "https://api.github.com"
    github_graphql_url: str = "https://api.github.com/graphql"
    hf_token: Secret | None = None
    hf_endpoint: str = "https://huggingface.co"
    # Corpus hosts (issue 10): where each adapter sends its requests. Links still name the public
    # hosts (zenodo.org ...); these let tests and mirrors point the adapters elsewhere.
    modelscope_endpoint: str = "https://www.modelscope.cn"
    modelscope_intl_endpoint: str = "https://www.modelscope.ai"
    zenodo_url: str = "https://zenodo.org"
    physionet_url: str = "https://physionet.org"
    figshare_api_url: str = "https://api.figshare.com/v2"
    kaggle_url: str = "https://www.kaggle.com"
    kaggle_username: str | None = None
    kaggle_key: Secret | None = None
    gdrive_url: str = "https://drive.google.com"
    gdocs_url: str = "https://docs.google.com"
    baidu_pan_url: str = "https://pan.baidu.com"
    tianchi_url: str = "https://tianchi.aliyun.com"
    https_proxy: str | None = None
    http_proxy: str | None = None
    no_proxy: str | None = None
    ssl_cert_file: str | None = None
    cache_dir: Path = Path(".cache/crawler")
    user_agent: str = USER_AGENT
    # Public archives (crawler/archive/): base URLs so tests can point them at loopback fakes.
    wayback_url: str = "https://web.archive.org"
    swh_api_url: str = "https://archive.softwareheritage.org/api/1"
    swh_token: Secret | None = None
    ia_access_key: Secret | None = None
    ia_secret_key: Secret | None = None

    def __post_init__(self) -> None:
        # What pydantic's validation did for callers passing plain values (a mirror's script,
        # a test): a str token must still never show in a repr, a str cache_dir is a Path.
        for name in _SECRETS:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Secret(value))
        if not isinstance(self.cache_dir, Path):
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from *env* (default: the process environment)."""
        env = os.environ if env is None else env
        api = (_first(env, "GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        xdg = _first(env, "XDG_CACHE_HOME")
        cache = _first(env, "CRAWLER_CACHE_DIR")
        if cache:
            cache_dir = Path(cache)
        elif xdg:
            cache_dir = Path(xdg) / "crawler"
        else:
            cache_dir = Path.home() / ".cache" / "crawler"

        def base(name: str, default: str) -> str:
            return (_first(env, name) or default).rstrip("/")

        return cls(
            modelscope_endpoint=base("MODELSCOPE_ENDPOINT", "https://www.modelscope.cn"),
            modelscope_intl_endpoint=base("MODELSCOPE_INTL_ENDPOINT", "https://www.modelscope.ai"),
            zenodo_url=base("ZENODO_URL", "https://zenodo.org"),
            physionet_url=base("PHYSIONET_URL", "https://physionet.org"),
            figshare_api_url=base("FIGSHARE_API_URL", "https://api.figshare.com/v2"),
            kaggle_url=base("KAGGLE_URL", "https://www.kaggle.com"),
            kaggle_username=_first(env, "KAGGLE_USERNAME"),
            kaggle_key=_secret(env, "KAGGLE_KEY"),
            gdrive_url=base("GDRIVE_URL", "https://drive.google.com"),
            gdocs_url=base("GDOCS_URL", "https://docs.google.com"),
            baidu_pan_url=base("BAIDU_PAN_URL", "https://pan.baidu.com"),
            tianchi_url=base("TIANCHI_URL", "https://tianchi.aliyun.com"),
            github_token=_secret(env, "GITHUB_TOKEN", "GH_TOKEN"),
            github_api_url=api,
            github_graphql_url=(_first(env, "GITHUB_GRAPHQL_URL") or _graphql_url_for(api)).rstrip("/"),
            hf_token=_secret(env, "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"),
            hf_endpoint=(_first(env, "HF_ENDPOINT") or "https://huggingface.co").rstrip("/"),
            https_proxy=_first(env, "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"),
            http_proxy=_first(env, "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"),
            no_proxy=_first(env, "NO_PROXY", "no_proxy"),
            ssl_cert_file=_first(env, "SSL_CERT_FILE"),
            cache_dir=cache_dir,
            wayback_url=(_first(env, "WAYBACK_URL") or "https://web.archive.org").rstrip("/"),
            swh_api_url=(_first(env, "SWH_API_URL") or "https://archive.softwareheritage.org/api/1").rstrip("/"),
            swh_token=_secret(env, "SWH_TOKEN"),
            ia_access_key=_secret(env, "IA_ACCESS_KEY"),
            ia_secret_key=_secret(env, "IA_SECRET_KEY"),
        )

    @property
    def github_api_host(self) -> str:
        """The host name of ``github_api_url`` (``api.github.com`` by default), "" if it has none."""
        return urlsplit(self.github_api_url).hostname or ""


# The fields __post_init__ turns from str into Secret: every field annotated Secret, so a secret
# added later is masked without a second list to keep in step (annotations are strings here).
_SECRETS = tuple(f.name for f in fields(Settings) if str(f.type).startswith("Secret"))
