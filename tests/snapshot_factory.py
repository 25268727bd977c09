"""Fixture snapshots for the snapshot and report tests, built through ``build_snapshot``.

A small registry (6 entries, independent of the shipped ``registry.yaml``) with hostile
strings where the outside world can put them: descriptions, topics, licence names,
reasons and redirect targets hold ``|``, ``<script>``, newlines and backticks. Three days
of fake runs: ChatDoctor's repository fails, fails, then recovers.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import yaml

from crawler.models import GitHubMeta, HuggingFaceMeta, LinkResult, LinkStatus, Outcome, Registry, Snapshot
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


def snapshot(n: int, previous: Snapshot | None = None, *, now: datetime | None = None) -> Snapshot:
    """The snapshot of fake run *n*, its history continuing from *previous*."""
    return build_snapshot(
        registry(),
        registry_path="registry.yaml",
        registry_sha256=sha256_hex(REGISTRY_YAML_BLOCK),
        outcomes=outcomes(n, now=now),
        previous=previous,
        now=now or day(n),
        tool_version="0.1.0",
    )


def three_runs() -> list[Snapshot]:
    """Fake runs 1, 2 and 3, each built on the one before."""
    first = snapshot(1)
    second = snapshot(2, first)
    return [first, second, snapshot(3, second)]


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
