"""Fixture snapshots for the snapshot and report tests, built through ``build_snapshot``.

A small registry (6 entries, independent of the shipped ``registry.yaml``) with hostile
strings where the outside world can put them: descriptions, topics, licence names,
reasons and redirect targets hold ``|``, ``<script>``, newlines and backticks. Three days
of fake runs: ChatDoctor's repository fails, fails, then recovers.

``corpus=True`` adds what host adapters and archives learn (``LinkMeta``, ``ArchiveCopy``, stale
metadata, a Tianchi link that cannot be verified, a Zenodo record that gets a new version and is
then removed, and a link the address guard refuses) on top of the same runs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import yaml

from crawler.models import (
    Access,
    ArchiveCopy,
    GitHubMeta,
    HuggingFaceMeta,
    LinkMeta,
    LinkResult,
    LinkStatus,
    Outcome,
    Registry,
    Snapshot,
)
from crawler.snapshot import build_snapshot, sha256_hex

HOSTILE = "pipe | <script>alert(1)</script>\nnew line `tick` [x](javascript:alert(1)) &amp; **bold**"

FRONT_MATTER = """+++
title = '医学大模型训练用语料库榜单'
date = 2023-12-20T19:49:10+08:00
draft = true
+++"""

REGISTRY_YAML = """\
# Fixture registry: six rows shaped like the seed leaderboard.
version: 1
source:
  title: 医学大模型训练用语料库榜单
  file: content/posts/medical-llm-corpora.md
  front_matter: |
    +++
    title = '医学大模型训练用语料库榜单'
    date = 2023-12-20T19:49:10+08:00
    draft = true
    +++
  columns: [模型, 开源地址, 所用数据, 数据下载地址]
entries:
  - id: biomedlm
    name: BioMedLM
    aliases: [PubMed GPT 2.7B]
    description: 用于生物医学文本的特定领域大型语言模型
    training_data: -基于HuggingFace GPT模型 -2.7B的参数
    links:
      - url: https://github.com/stanford-crfm/BioMedLM
        kind: repository
      # the data lives in someone else's repository
      - url: https://github.com/thoppe/The-Pile-PubMed
        kind: data
        label: "Pile | PubMed"
  - id: huatuo
    name: 本草Huatuo
    training_data: "-医学知识图谱和GPT3.5API构建中文医学指令数据集 | 多轮问答"
    links:
      - url: https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese
        kind: repository
      - url: https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese/tree/main/data
        kind: data
  - id: med-flamingo
    name: Med-Flamingo
    description: 一种适用于医学领域的多模态少样本学习器
    training_data: 4K数据集
    links:
      - {url: "https://huggingface.co/datasets/axiong/pmc_oa", kind: dataset}
  - id: chatdoctor
    name: ChatDoctor
    training_data: 110K真实医患对话样本+5KChatGPT生成数据进行指令微调
    links:
      - url: https://github.com/Kent0n-Li/ChatDoctor
        kind: repository
      - url: https://github.com/Kent0n-Li/ChatDoctor
        kind: data
  - id: med-chatglm
    name: "[ChatGLM-6B-Med](https://github.com/SCIR-HI/Med-ChatGLM)"
    training_data: 医学知识图谱和GPT3.5 API构建了中文医学指令数据集
    links:
      - url: https://github.com/SCIR-HI/Med-ChatGLM
        kind: repository
      - url: https://tianchi.aliyun.com/dataset/90163
        kind: dataset
        label: CMD.中文医疗对话数据集
  - id: med-chatglm-again
    name: Med-ChatGLM
    duplicate_of: med-chatglm
    links:
      - url: https://github.com/SCIR-HI/Med-ChatGLM
        kind: repository
      - url: https://blog.csdn.net/m0_37201243/article/details/130334076
        kind: blog
"""

# Flow style for one link on purpose: the enriched YAML must cope (it falls back to a rebuild).
REGISTRY_YAML_BLOCK = REGISTRY_YAML.replace(
    '      - {url: "https://huggingface.co/datasets/axiong/pmc_oa", kind: dataset}\n',
    "      - url: https://huggingface.co/datasets/axiong/pmc_oa\n        kind: dataset\n",
)


# Two more rows for the corpus fixtures: a Zenodo corpus and a mirror on a loopback address.
CORPUS_YAML = REGISTRY_YAML_BLOCK + """\
  - id: pubmedqa
    name: PubMedQA
    training_data: PubMedQA 1k expert-labelled questions
    links:
      - url: https://github.com/pubmedqa/pubmedqa
        kind: repository
      - url: https://zenodo.org/records/7654321
        kind: dataset
      - url: http://127.0.0.1/corpus.zip
        kind: data
        label: local mirror
"""
ARCHIVED_COPY = "https://web.archive.org/web/20230302000000/https://github.com/Kent0n-Li/ChatDoctor"


def registry(text: str = REGISTRY_YAML_BLOCK) -> Registry:
    """The fixture registry, parsed without the project's loader (which is written separately)."""
    return Registry.model_validate(yaml.safe_load(text))


def day(n: int, hour: int = 6) -> datetime:
    """Fake run *n* (1-based): 2024-01-0n at *hour*:00 UTC."""
    return datetime(2024, 1, n, hour, 0, 0, tzinfo=UTC)


def _gh(full_name: str, stars: int, now: datetime, **extra: object) -> GitHubMeta:
    return GitHubMeta.model_validate(
        {"full_name": full_name, "stars": stars, "forks": stars // 10, "fetched_at": now, **extra}
    )


def outcomes(n: int, *, now: datetime | None = None) -> dict[str, Outcome]:
    """What fake run *n* (1, 2 or 3) finds: ChatDoctor fails on 1 and 2 and recovers on 3."""
    now = now or day(n)

    def res(url: str, status: LinkStatus, reason: str, http: int | None = 200, final: str | None = None) -> LinkResult:
        return LinkResult(url=url, status=status, http_status=http, final_url=final, reason=reason, checked_at=now)

    ok = LinkStatus.OK
    doctor = "https://github.com/Kent0n-Li/ChatDoctor"
    doctor_result = (
        res(doctor, LinkStatus.BROKEN, "Not found (HTTP 404) | <b>gone</b>", 404)
        if n < 3
        else res(doctor, ok, "OK.")
    )
    return {
        "https://github.com/stanford-crfm/BioMedLM": Outcome(
            result=res("https://github.com/stanford-crfm/BioMedLM", ok, "OK."),
            github=_gh(
                "stanford-crfm/BioMedLM",
                100 + 10 * n,
                now,
                license="MIT | <script>alert('licence')</script>",
                description=HOSTILE,
                topics=["bio|med", "<img src=x onerror=alert(1)>", "line\nbreak"],
                last_commit=datetime(2023, 3, 2, 12, 30, tzinfo=UTC),
            ),
        ),
        "https://github.com/thoppe/The-Pile-PubMed": Outcome(
            result=res("https://github.com/thoppe/The-Pile-PubMed", ok, "OK."),
            github=_gh("thoppe/The-Pile-PubMed", 40, now, archived=n >= 2, license="MIT" if n < 3 else "Apache-2.0"),
        ),
        "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese": Outcome(
            result=res(
                "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese",
                LinkStatus.REDIRECTED,
                "Moved permanently (HTTP 301).",
                301,
                "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese-v2?x=|<script>",
            ),
            github=_gh("SCIR-HI/Huatuo-Llama-Med-Chinese", 4000 + 100 * n * n, now, license="Apache-2.0"),
        ),
        "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese/tree/main/data": Outcome(
            result=res("https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese/tree/main/data", ok, "OK."),
        ),
        "https://huggingface.co/datasets/axiong/pmc_oa": Outcome(
            result=res("https://huggingface.co/datasets/axiong/pmc_oa", ok, "OK."),
            huggingface=HuggingFaceMeta(
                id="axiong/pmc_oa", repo_type="dataset", downloads=1234, likes=30, license="openrail", fetched_at=now
            ),
        ),
        doctor: Outcome(result=doctor_result, github=_gh("Kent0n-Li/ChatDoctor", 3000, now) if n >= 3 else None),
        "https://github.com/SCIR-HI/Med-ChatGLM": Outcome(
            result=res("https://github.com/SCIR-HI/Med-ChatGLM", ok, "OK."),
            github=_gh("SCIR-HI/Med-ChatGLM", 1000 + n, now, license="Apache-2.0", archived=True),
        ),
        "https://tianchi.aliyun.com/dataset/90163": Outcome(
            result=res(
                "https://tianchi.aliyun.com/dataset/90163",
                LinkStatus.UNVERIFIED,
                "Anti-bot page `captcha` | try later\n(HTTP 403).",
                403,
            )
        ),
        "https://blog.csdn.net/m0_37201243/article/details/130334076": Outcome(
            result=LinkResult(
                url="https://blog.csdn.net/m0_37201243/article/details/130334076",
                status=LinkStatus.SKIPPED,
                reason="Excluded by configuration.",
                checked_at=now,
            )
        ),
    }


def corpus_outcomes(n: int, *, now: datetime | None = None) -> dict[str, Outcome]:
    """``outcomes(n)`` plus access, licence, size, archived copies and stale metadata, and two more rows."""
    now = now or day(n)
    found = outcomes(n, now=now)
    pmc = "https://huggingface.co/datasets/axiong/pmc_oa"
    gated = n >= 3
    found[pmc].huggingface = found[pmc].huggingface.model_copy(  # type: ignore[union-attr]
        update={"gated": "manual" if gated else False, "downloads": 1234 if n < 3 else 1500}
    )
    found[pmc].meta = LinkMeta(
        source="huggingface",
        access=Access.GATED if gated else Access.OPEN,
        license="openrail" if n < 3 else "cc-by-nc-4.0",
        size_bytes=1_234_000_000 if n < 3 else 1_500_000_000,
        file_count=3,
        downloads=1234 if n < 3 else 1500,
        likes=30,
        fetched_at=now,
    )
    data = "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese/tree/main/data"
    found[data].meta = LinkMeta(source="github", access=Access.OPEN, size_bytes=52_300_000, file_count=12, fetched_at=now)
    doctor = "https://github.com/Kent0n-Li/ChatDoctor"
    if n < 3:
        found[doctor].archive = ArchiveCopy(
            url=ARCHIVED_COPY, source="wayback", captured_at=datetime(2023, 3, 2, 8, 0, tzinfo=UTC)
        )
    tianchi = "https://tianchi.aliyun.com/dataset/90163"
    found[tianchi].result = found[tianchi].result.model_copy(
        update={
            "reason": "Tianchi shows the same page for every dataset id without a login.",
            "cause": "unverifiable-host",
            "http_status": 200,
        }
    )
    found[tianchi].meta = LinkMeta(source="tianchi", access=Access.LOGIN, fetched_at=now)
    glm = "https://github.com/SCIR-HI/Med-ChatGLM"
    if n >= 2:  # the API was not asked this run: yesterday's metadata, marked stale
        found[glm].github = found[glm].github.model_copy(  # type: ignore[union-attr]
            update={"stale": True, "fetched_at": day(1)}
        )
    found[glm].github = found[glm].github.model_copy(  # type: ignore[union-attr]
        update={
            "last_commit": datetime(2020, 5, 1, tzinfo=UTC),
            "notice": "This project is no longer maintained; see Huatuo-Llama-Med-Chinese.",
            "moved_to": "https://github.com/SCIR-HI/Huatuo-Llama-Med-Chinese",
        }
    )
    pubmedqa = "https://github.com/pubmedqa/pubmedqa"
    found[pubmedqa] = Outcome(
        result=LinkResult(url=pubmedqa, status=LinkStatus.OK, http_status=200, reason="OK.", checked_at=now),
        github=_gh("pubmedqa/pubmedqa", 700, now, license="MIT", last_commit=datetime(2022, 6, 1, tzinfo=UTC)),
    )
    zenodo = "https://zenodo.org/records/7654321"
    if n < 3:
        zenodo_result = LinkResult(url=zenodo, status=LinkStatus.OK, http_status=200, reason="OK.", checked_at=now)
    else:
        zenodo_result = LinkResult(
            url=zenodo,
            status=LinkStatus.BROKEN,
            http_status=410,
            reason="Zenodo removed this record (HTTP 410).",
            cause="removed",
            checked_at=now,
        )
    found[zenodo] = Outcome(
        result=zenodo_result,
        meta=LinkMeta(
            source="zenodo",
            access=Access.OPEN,
            license="CC-BY-4.0",
            size_bytes=650_000_000,
            file_count=2,
            downloads=420 + n,
            doi="10.5281/zenodo.7654321",
            version="1.0",
            latest_version="1.0" if n < 2 else "2.0",
            newer_version=n >= 2,
            fetched_at=now,
        ),
    )
    mirror = "http://127.0.0.1/corpus.zip"
    found[mirror] = Outcome(
        result=LinkResult(
            url=mirror,
            status=LinkStatus.SKIPPED,
            reason="refused to check 127.0.0.1: a loopback address (pass --allow-private to allow it)",
            cause="private-address",
            checked_at=now,
        )
    )
    return found


def snapshot(
    n: int, previous: Snapshot | None = None, *, now: datetime | None = None, corpus: bool = False
) -> Snapshot:
    """The snapshot of fake run *n*, its history continuing from *previous* (``corpus``: the richer fixture)."""
    text = CORPUS_YAML if corpus else REGISTRY_YAML_BLOCK
    return build_snapshot(
        registry(text),
        registry_path="registry.yaml",
        registry_sha256=sha256_hex(text),
        outcomes=(corpus_outcomes if corpus else outcomes)(n, now=now),
        previous=previous,
        now=now or day(n),
        tool_version="0.1.0",
    )


def three_runs(*, corpus: bool = False) -> list[Snapshot]:
    """Fake runs 1, 2 and 3, each built on the one before."""
    first = snapshot(1, corpus=corpus)
    second = snapshot(2, first, corpus=corpus)
    return [first, second, snapshot(3, second, corpus=corpus)]


GOLDEN = Path(__file__).parent / "golden"


def assert_golden(name: str, text: str) -> None:
    """Compare *text* with ``tests/golden/<name>``; ``UPDATE_GOLDEN=1`` rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run the tests with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from {path}; if the change is intended, rerun with UPDATE_GOLDEN=1"
