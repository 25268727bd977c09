"""Settings read from the environment, in this one place.

Nothing else in the package reads ``os.environ``. Secrets are ``SecretStr`` so that a
stray ``print(settings)`` or a log line never shows a token.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from crawler import __version__

__all__ = ["Settings", "PROJECT_URL", "USER_AGENT"]

PROJECT_URL = "https://github.com/medllm-registry/crawler"
USER_AGENT = f"medllm-crawler/{__version__} (+{PROJECT_URL})"


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _secret(env: Mapping[str, str], name: str) -> SecretStr | None:
    value = _first(env, name)
    return SecretStr(value) if value else None


def _graphql_url_for(api_url: str) -> str:
    # GitHub Enterprise Server serves REST at /api/v3 and GraphQL at /api/graphql;
    # github.com serves both from api.github.com.
    if api_url.rstrip("/").endswith("/api/v3"):
        return api_url.rstrip("/")[: -len("/v3")] + "/graphql"
    return api_url.rstrip("/") + "/graphql"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_graphql_url: str = "https://api.github.com/graphql"
    hf_token: SecretStr | None = None
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
    kaggle_key: SecretStr | None = None
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
    swh_token: SecretStr | None = None
    ia_access_key: SecretStr | None = None
    ia_secret_key: SecretStr | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from *env* (default: the process environment)."""
        env = os.environ if env is None else env
        api = (_first(env, "GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        gh_token = _first(env, "GITHUB_TOKEN", "GH_TOKEN")
        hf_token = _first(env, "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
        xdg = _first(env, "XDG_CACHE_HOME")
        cache = _first(env, "CRAWLER_CACHE_DIR")
        if cache:
            cache_dir = Path(cache)
        elif xdg:
            cache_dir = Path(xdg) / "crawler"
        else:
            cache_dir = Path.home() / ".cache" / "crawler"
        kaggle_key = _first(env, "KAGGLE_KEY")

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
            kaggle_key=SecretStr(kaggle_key) if kaggle_key else None,
            gdrive_url=base("GDRIVE_URL", "https://drive.google.com"),
            gdocs_url=base("GDOCS_URL", "https://docs.google.com"),
            baidu_pan_url=base("BAIDU_PAN_URL", "https://pan.baidu.com"),
            tianchi_url=base("TIANCHI_URL", "https://tianchi.aliyun.com"),
            github_token=SecretStr(gh_token) if gh_token else None,
            github_api_url=api,
            github_graphql_url=(_first(env, "GITHUB_GRAPHQL_URL") or _graphql_url_for(api)).rstrip("/"),
            hf_token=SecretStr(hf_token) if hf_token else None,
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
        return urlsplit(self.github_api_url).hostname or ""
