"""`import` on the lists people keep: every GFM table form, several tables, bullets, column roles, real lists.

The real lists under tests/data (sources and MIT licences in tests/data/README.md) are checked against
an independent reading: a plain regex over their lines, so a bug in the importer cannot hide a lost link.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from crawler.errors import RegistryError
from crawler.importer import markdown_to_registry_yaml, parse_columns_option, parse_markdown
from crawler.models import LinkKind
from crawler.registry import parse_registry

DATA = Path(__file__).resolve().parent / "data"
URL = re.compile(r"https?://[^\s()\]\"<>|]+(?:\([^\s()]*\)[^\s()\]\"<>|]*)*")

# The forms of WangRongsheng/Awesome-AI4Med (short delimiters, [[label](url)], backticked names, Model Weight),
# with rows written for this test.
AI4MED = """\
# Awesome-AI4Med

## 1. Medical LLMs

|**Model Name**|**Paper**|**Model Weight**|**Data**|**Code**|
|:-|:-:|:-:|:-:|:-:|
|`HuatuoGPT`|[[arXiv](https://arxiv.org/abs/2305.15075)]|[[HF (7B)](https://huggingface.co/FreedomIntelligence/HuatuoGPT-7B)]|[[HF](https://huggingface.co/datasets/FreedomIntelligence/HuatuoGPT-sft-data-v1)]|[[Github](https://github.com/FreedomIntelligence/HuatuoGPT)]|
|`OpenBioLLM`|-|[[HF (8B)](https://huggingface.co/aaditya/Llama3-OpenBioLLM-8B)]|-|-|
|**Med42** `v2`|<a href="https://arxiv.org/abs/2408.06142">paper</a>|[[HF (8B)](https://huggingface.co/m42-health/Llama3-Med42-8B)]|coming soon|[[Github](https://github.com/m42-health/med42)]|

## 3. Datasets

|**Data Name**|**Paper**|**Link**|**Quantity**|
|:-|:-:|:-:|:-:|
|`MedQA`|[[arXiv](https://arxiv.org/abs/2009.13081)]|[[Github](https://github.com/jind11/MedQA)]|61K|
"""


def _kinds(result) -> Counter[str]:
    return Counter(link.kind.value for e in result.entries for link in e.links)


def _urls(result) -> set[str]:
    return {link.url for e in result.entries for link in e.links}


def _table_urls(text: str, first_line: int) -> set[str]:
    """URLs on a table's lines (from its header at 1-based *first_line* to the first non-table line)."""
    lines = text.splitlines()[first_line - 1 :]
    rows = []
    for line in lines:
        if "|" not in line or not line.strip():
            break
        rows.append(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", line))  # CommonMark backslash escapes
    return {u.rstrip(".,;") for row in rows for u in URL.findall(row)}


def _bullet_urls(text: str) -> set[str]:
    """URLs on bulleted lines (continuation lines joined), badges and images left out."""
    urls: set[str] = set()
    item = None
    for line in [*text.splitlines(), ""]:
        if re.match(r"^\s*[*-] ", line):
            if item:
                urls |= {u.rstrip(".,;") for u in URL.findall(re.sub(r"!\[[^\]]*\]\([^)]*\)", "", item))}
            item = line
        elif item is not None and line.strip() and not line.startswith(("#", "|", "<")):
            item += " " + line
        else:
            if item:
                urls |= {u.rstrip(".,;") for u in URL.findall(re.sub(r"!\[[^\]]*\]\([^)]*\)", "", item))}
            item = None
    return urls


# --------------------------------------------------------------------------- table forms


def test_short_delimiters_wrapped_links_code_and_model_weight_column():
    """`|:-|:-:|` is a table; [[Github](url)] gives label Github; backticks go; Model Weight holds models."""
    result = parse_markdown(AI4MED, source_file="ai4med.md")
    assert result.source.columns == ["Model Name", "Paper", "Model Weight", "Data", "Code"]
    assert result.source.roles == {"Model Name": "name", "Paper": "paper", "Model Weight": "model", "Data": "data",
                                   "Code": "code"}
    huatuo, openbio, med42 = result.entries
    assert huatuo.name == "HuatuoGPT" and med42.name == "Med42 v2"
    assert [(lk.kind, lk.label, lk.column) for lk in huatuo.links] == [
        (LinkKind.REPOSITORY, "Github", "Code"),
        (LinkKind.PAPER, "arXiv", "Paper"),
        (LinkKind.MODEL, "HF (7B)", "Model Weight"),
        (LinkKind.DATASET, "HF", "Data"),
    ]
    assert [lk.url for lk in openbio.links] == ["https://huggingface.co/aaditya/Llama3-OpenBioLLM-8B"]
    assert ("https://arxiv.org/abs/2408.06142", "paper") in [(lk.url, lk.label) for lk in med42.links]
    assert _kinds(result) == {"repository": 2, "paper": 2, "model": 3, "dataset": 1}
    assert result.problems == ["9: column 'Data': no URL in 'coming soon'"]
    assert med42.extra == {"Data": "coming soon"}  # kept under its header
    assert "table 1: line 5, 5 columns, 3 rows, 8 links (under '1. Medical LLMs') (chosen)" in result.tables


def test_no_outer_pipes_escaped_pipes_and_code_spans_with_pipes():
    """Rows without outer pipes; `\\|` and a pipe inside backticks stay inside their cell."""
    md = "Model | Code | Notes\n--- | :---: | ---:\n`a|b` | https://github.com/a/b | x \\| y\n"
    (entry,) = parse_markdown(md).entries
    assert entry.name == "a|b"
    assert [lk.url for lk in entry.links] == ["https://github.com/a/b"]
    assert entry.extra == {"Notes": "x | y"}


def test_html_anchor_emphasis_and_inline_code_become_plain_text():
    """<a href> gives its URL and text; **bold**, _em_ and `code` lose their markers."""
    md = "| Name | Repository |\n|-|-|\n| **Bold** _em_ `code` | <a href=\"https://github.com/o/r\">**the repo**</a> |\n"
    (entry,) = parse_markdown(md).entries
    assert entry.name == "Bold em code"
    assert [(lk.url, lk.label, lk.kind) for lk in entry.links] == [
        ("https://github.com/o/r", "the repo", LinkKind.REPOSITORY)
    ]


def test_tables_inside_code_fences_are_not_tables():
    """A table in a ``` fence is an example, not data."""
    md = "```\n| a | b |\n|---|---|\n| x | https://x.org |\n```\n\n| M | Code |\n|---|---|\n| y | https://github.com/y/y |\n"
    result = parse_markdown(md)
    assert [e.name for e in result.entries] == ["y"]
    assert len(result.tables) == 1


def test_several_tables_default_is_the_one_with_most_links_and_table_n_picks():
    """The default is the table with the most links; --table N picks another; a missing N is an error."""
    assert [e.name for e in parse_markdown(AI4MED).entries] == ["HuatuoGPT", "OpenBioLLM", "Med42 v2"]
    second = parse_markdown(AI4MED, table=2)
    assert [e.name for e in second.entries] == ["MedQA"]
    (medqa,) = second.entries
    # "Link" in a table of datasets (its name header says "Data Name") is where the data is
    assert second.source.roles["Link"] == "data" and second.source.roles["Data Name"] == "name"
    assert [(lk.kind, lk.column) for lk in medqa.links] == [(LinkKind.PAPER, "Paper"), (LinkKind.DATA, "Link")]
    assert medqa.extra == {"Quantity": "61K"}
    with pytest.raises(RegistryError, match=r"^x.md:1: there is no table 3; 2 table\(s\) found"):
        parse_markdown(AI4MED, source_file="x.md", table=3)


# --------------------------------------------------------------------------- roles


def test_chinese_headers_name_their_roles():
    """模型/代码/权重/数据集/论文/日期/许可 are name, code, model, data, paper, date and licence."""
    md = ("| 模型 | 代码 | 模型权重 | 数据集下载 | 论文 | 发布日期 | 许可 |\n|---|---|---|---|---|---|---|\n"
          "| 甲 | https://github.com/a/b | https://huggingface.co/a/b | https://huggingface.co/datasets/a/c "
          "| https://arxiv.org/abs/1 | 2024-05 | MIT |\n")
    result = parse_markdown(md)
    assert list(result.source.roles.values()) == ["name", "code", "model", "data", "paper", "date", "license"]
    (entry,) = result.entries
    assert [lk.kind.value for lk in entry.links] == ["repository", "model", "dataset", "paper"]  # code first
    assert entry.extra == {"发布日期": "2024-05", "许可": "MIT"}


def test_unknown_headers_take_their_role_from_their_links_hosts():
    """Headers no word names: HF model links make a model column, GitHub a code column, arXiv a paper column."""
    md = ("| Thing | A | B | C | D |\n|---|---|---|---|---|\n"
          "| x | https://huggingface.co/o/m | https://github.com/o/r | https://arxiv.org/abs/1 | plain |\n"
          "| y | https://huggingface.co/o/n | https://github.com/o/s | https://arxiv.org/abs/2 | text |\n")
    result = parse_markdown(md)
    assert result.source.roles == {"Thing": "name", "A": "model", "B": "code", "C": "paper"}
    assert result.entries[0].extra == {"D": "plain"}


def test_a_column_of_dates_is_a_date_column_whatever_its_header():
    """A survey heads its dates 'Data': the cells win, the dates are not training data."""
    md = "| Models | Open Sources | Data |\n|---|---|---|\n| M | [Link](https://github.com/a/b) | 01/2023 |\n"
    result = parse_markdown(md)
    assert result.source.roles["Data"] == "date"
    (entry,) = result.entries
    assert entry.training_data is None and entry.extra == {"Data": "01/2023"}


def test_columns_option_overrides_roles():
    """--columns ROLE=HEADER sets roles (extra= keeps a column as a field); bad values are errors."""
    overrides = parse_columns_option("model=Backbone, extra=Open Sources")
    assert overrides == {"Backbone": "model", "Open Sources": "extra"}
    md = "| Models | Backbone | Open Sources |\n|---|---|---|\n| M | https://huggingface.co/b/b | https://github.com/a/b |\n"
    result = parse_markdown(md, columns=overrides)
    assert result.source.roles == {"Models": "name", "Backbone": "model"}
    (entry,) = result.entries
    assert [lk.column for lk in entry.links] == ["Backbone", "Open Sources"]
    assert entry.extra == {"Open Sources": "https://github.com/a/b"}
    with pytest.raises(ValueError, match="unknown role 'x'"):
        parse_columns_option("x=Backbone")
    with pytest.raises(ValueError, match="is not ROLE=HEADER"):
        parse_columns_option("Backbone")
    with pytest.raises(RegistryError, match="--columns names 'Nope', which is not a header"):
        parse_markdown(md, columns={"Nope": "code"})


def test_extra_cells_and_relative_links_are_reported_with_their_line():
    """Cells that cannot be read are listed with their line; the row is still imported."""
    md = "| M | Code |\n|---|---|\n| a | [doc](docs/a.md) |\n| b | https://github.com/b/b | stray |\n"
    result = parse_markdown(md)
    assert result.problems == [
        "3: column 'Code': link target 'docs/a.md' is not an absolute http(s) URL; kept as text",
        "3: column 'Code': no URL in '[doc](docs/a.md)'",
        "4: 3 cells but 2 headers; extra cells ignored, as GitHub does: 'stray'",
    ]
    assert [e.name for e in result.entries] == ["a", "b"]


# --------------------------------------------------------------------------- bullets


BULLETS = """\
# Awesome Medical LLMs

## Models

- [Med-PaLM](https://sites.research.google/med-palm/) - Google's medical model.
- **ChatDoctor**: a LLaMA fine-tuned on dialogues [[Paper]](https://arxiv.org/abs/2303.14070) [[Code]](https://github.com/Kent0n-Li/ChatDoctor)
- Chinese
  - [HuatuoGPT](https://github.com/FreedomIntelligence/HuatuoGPT) - 华佗GPT
    - Weights: [HF](https://huggingface.co/FreedomIntelligence/HuatuoGPT-7B)

## Datasets

* [MedQA](https://github.com/jind11/MedQA): USMLE questions
- [Table of contents](#models)
"""


def test_bullets_under_headings_become_entries_with_a_category():
    """`- [Name](url) - description`, bold names, nested items; the headings (and link-less parents) are the category."""
    result = parse_markdown(BULLETS, source_file="b.md")
    assert result.source.columns == ["Category", "Name", "Description", "Links"]
    names = [(e.name, e.category, e.description) for e in result.entries]
    assert names == [
        ("Med-PaLM", "Models", "Google's medical model."),
        ("ChatDoctor", "Models", "a LLaMA fine-tuned on dialogues"),
        ("HuatuoGPT", "Models / Chinese", "华佗GPT"),
        ("MedQA", "Datasets", "USMLE questions"),
    ]
    chatdoctor, huatuo = result.entries[1], result.entries[2]
    assert [(lk.kind, lk.label) for lk in chatdoctor.links] == [(LinkKind.PAPER, "Paper"), (LinkKind.REPOSITORY, "Code")]
    # the nested "Weights" item adds its link to its entry
    assert [lk.kind for lk in huatuo.links] == [LinkKind.REPOSITORY, LinkKind.MODEL]
    assert result.tables == ["bulleted list: 4 items with links, 6 links (chosen)"]


def test_nothing_to_import_is_an_error_and_a_linkless_table_is_imported():
    """No table and no bullet with a link: one-line error; a table without links still imports."""
    with pytest.raises(RegistryError, match=r"^x.md:1: no Markdown table found"):
        parse_markdown("- just\n- words\n", source_file="x.md")
    result = parse_markdown("| Name | Size |\n|---|---|\n| a | 1 GB |\n")
    assert [e.extra for e in result.entries] == [{"Size": "1 GB"}]


# --------------------------------------------------------------------------- real lists


def test_real_dataset_list_with_chinese_headers_keeps_every_link():
    """onejune2018's list: five tables listed; the English one (most links) is read, every URL kept."""
    text = (DATA / "awesome-medical-healthcare-dataset-for-llm.md").read_text(encoding="utf-8")
    result = parse_markdown(text, source_file="list.md")
    assert len(result.tables) == 6 and result.tables[1].endswith("(chosen)")  # 5 tables and the bullets
    assert result.source.columns == ["数据集名称", "内容概述", "获取链接", "数据大小"]
    assert result.source.roles == {"数据集名称": "name", "内容概述": "description", "获取链接": "data"}
    assert len(result.entries) == 43
    assert _urls(result) == _table_urls(text, 33)
    assert _kinds(result) == {"dataset": 23, "data": 17, "paper": 1, "blog": 1}  # arXiv and a blog, by their host
    wikidoc = next(e for e in result.entries if e.name == "Wikidoc")
    assert wikidoc.links[0].url == "https://huggingface.co/datasets/medalpaca/medical_meadow_wikidoc"  # \\_ unescaped
    assert wikidoc.extra == {"数据大小": "67704 instances"}

    chinese = parse_markdown(text, source_file="list.md", table=1)
    assert len(chinese.entries) == 20 and _urls(chinese) == _table_urls(text, 8)
    assert _kinds(chinese) == {"dataset": 13, "data": 7, "repository": 1}
    huatuo = next(e for e in chinese.entries if e.name == "中文医疗对话数据集(华佗项目)")
    assert [(lk.url, lk.label) for lk in huatuo.links] == [
        ("https://huggingface.co/datasets/FreedomIntelligence/HuatuoGPT-sft-data-v1", "下载链接")
    ]
    assert huatuo.extra == {"数据大小": "333MB"}


def test_real_survey_table_keeps_all_ten_columns():
    """jqwangai's survey: 41 models, 32 links, the 'Data' column of dates is a date, every column kept."""
    text = (DATA / "medical-llm-survey.md").read_text(encoding="utf-8")
    result = parse_markdown(text, source_file="survey.md")
    assert len(result.entries) == 41
    assert _urls(result) == _table_urls(text, 14)
    assert _kinds(result) == {"repository": 28, "model": 3, "homepage": 1}
    assert result.source.roles == {"Models": "name", "Open Sources": "code", "Data": "date"}
    doctor = next(e for e in result.entries if e.name == "ChatDoctor")
    assert doctor.extra == {"Backbone": "LLaMA", "Para. (B)": "7", "IFT": "$\\checkmark$", "IFT Methods": "Full Para.",
                            "Preferred Languages": "EN", "Data": "03/2023"}
    assert [(lk.url, lk.column) for lk in doctor.links] == [("https://github.com/Kent0n-Li/ChatDoctor", "Open Sources")]
    aloe = next(e for e in result.entries if e.name == "Aloe")
    assert aloe.links[0].kind is LinkKind.MODEL  # an HF model link in the code column is a model link
    assert result.problems == []


def test_real_bullet_list_keeps_every_link_with_its_category():
    """MedLLMsPracticalGuide: every URL of its bullets, names from bold text, venues kept as Tag."""
    text = (DATA / "medllms-practical-guide.md").read_text(encoding="utf-8")
    result = parse_markdown(text, source_file="guide.md")
    assert _urls(result) == _bullet_urls(text)
    assert len(result.entries) == 299
    assert _kinds(result) == {"paper": 271, "repository": 60, "homepage": 16, "dataset": 11, "model": 6, "blog": 2}
    mmed = next(e for e in result.entries if e.name == "MMed-Llama3")
    assert mmed.category == "🔥 Practical Guide for Building Pipeline / Fine-tuning General LLMs"
    assert mmed.extra == {"Tag": "Nature Communications, 2024.9"}
    assert [(lk.url, lk.kind, lk.label) for lk in mmed.links] == [
        ("https://www.nature.com/articles/s41467-024-52417-z", LinkKind.PAPER, "paper"),
        ("https://github.com/MAGIC-AI4Med/MMedLM", LinkKind.REPOSITORY, "code"),
    ]
    med42 = next(e for e in result.entries if e.name == "Med42-v2")
    assert med42.links[1].url == "https://huggingface.co/m42-health" and med42.links[1].kind is LinkKind.MODEL


def test_real_mixed_list_lists_tables_and_bullets():
    """Healthcare-Foundation-Models, a bulleted awesome-list with two small tables: by default its 412 bulleted
    links are read (more than both tables hold), --table 1 reads the first table."""
    text = (DATA / "awesome-healthcare-foundation-models.md").read_text(encoding="utf-8")
    default = parse_markdown(text, source_file="hfm.md")
    assert default.tables == [
        "table 1: line 474, 2 columns, 10 rows, 10 links (under 'Open Source')",
        "table 2: line 488, 2 columns, 4 rows, 4 links (under 'Private or Upon Approval')",
        "bulleted list: 279 items with links, 412 links (chosen)",
    ]
    assert _urls(default) == _bullet_urls(text)
    assert _urls(parse_markdown(text, source_file="hfm.md", table=1)) == _table_urls(text, 474)
    with_columns = parse_markdown(text, source_file="hfm.md", columns={"Description": "extra"})
    assert _urls(with_columns) == _table_urls(text, 474)  # --columns names a table's headers: the table is read
    bullets = parse_markdown(text, source_file="hfm.md", bullets=True)
    assert _urls(bullets) == _bullet_urls(text)
    chimed = next(e for e in bullets.entries if e.name == "ChiMed-GPT")  # an item continued on the next line
    assert [lk.url for lk in chimed.links] == ["https://arxiv.org/pdf/2311.06025.pdf", "https://github.com/synlp/ChiMed-GPT"]


@pytest.mark.parametrize("name", ["awesome-medical-healthcare-dataset-for-llm", "medical-llm-survey",
                                  "medllms-practical-guide", "awesome-healthcare-foundation-models"])
def test_real_lists_give_registries_that_load(name):
    """The YAML written for each real list loads and validates, with its roles and extra fields."""
    text = (DATA / f"{name}.md").read_text(encoding="utf-8")
    imported = parse_markdown(text, source_file=f"{name}.md")
    registry, _ = parse_registry(markdown_to_registry_yaml(text, source_file=f"{name}.md"), "r.yaml")
    assert [e.model_dump() for e in registry.entries] == [e.model_dump() for e in imported.entries]
    assert registry.source == imported.source


# --------------------------------------------------------------------------- CLI


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def test_cli_prints_tables_mapping_counts_and_problems(tmp_path):
    """stderr lists the tables, the header -> role mapping, the counts per kind and each unreadable cell."""
    (tmp_path / "ai4med.md").write_text(AI4MED, encoding="utf-8")
    out = _cli("import", "ai4med.md", "-o", "r.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    err = out.stderr.splitlines()
    assert "ai4med.md: table 1: line 5, 5 columns, 3 rows, 8 links (under '1. Medical LLMs') (chosen)" in err
    assert "ai4med.md: table 2: line 13, 4 columns, 1 row, 2 links (under '3. Datasets')" in err
    assert ("ai4med.md: columns: Model Name -> name, Paper -> paper, Model Weight -> model, Data -> data, "
            "Code -> code") in err
    assert "ai4med.md: 3 rows, 8 links (3 model, 2 repository, 2 paper, 1 dataset) -> r.yaml" in err
    assert "ai4med.md:9: column 'Data': no URL in 'coming soon'" in err


def test_cli_warns_and_exits_0_without_a_link_column(tmp_path):
    """A table with no link column imports with exit 0 and a warning saying how to name one."""
    (tmp_path / "t.md").write_text("| Name | Notes |\n|---|---|\n| a | b |\n| c | d |\n", encoding="utf-8")
    out = _cli("import", "t.md", cwd=tmp_path)
    assert out.returncode == 0
    assert "t.md: warning: no column holds links" in out.stderr and "--columns code=HEADER" in out.stderr
    bad = _cli("import", "t.md", "--columns", "code", cwd=tmp_path)
    assert bad.returncode == 2 and "--columns: 'code' is not ROLE=HEADER" in bad.stderr


def test_cli_does_not_warn_when_the_links_are_in_the_name_column(tmp_path):
    """A table whose only links are its names (a list of datasets) imports them with no 'no link column' warning."""
    (tmp_path / "d.md").write_text("| Dataset | Description |\n|---|---|\n| [A](https://a.example.org/) | x |\n",
                                   encoding="utf-8")
    out = _cli("import", "d.md", cwd=tmp_path)
    assert out.returncode == 0 and "1 row, 1 link (1 dataset)" in out.stderr
    assert "warning" not in out.stderr


def test_text_columns_keep_marks_and_placeholders_as_written():
    """'x', '✗' and '-' in a column with no role are data (a survey's feature marks): kept in extra, not dropped."""
    text = ("| Model | CP | IFT | Backbone | Code |\n|-|:-:|:-:|-|-|\n"
            "| A | x | ✗ | - | https://github.com/a/a |\n| B |  | ✓ | T5 | https://github.com/b/b |\n")
    result = parse_markdown(text, source_file="s.md")
    assert result.entries[0].extra == {"CP": "x", "IFT": "✗", "Backbone": "-"}
    assert result.entries[1].extra == {"IFT": "✓", "Backbone": "T5"}


def test_cli_reads_an_awesome_list_with_side_tables_as_bullets(tmp_path):
    """A bulleted list holding more links than its tables is read by default, and stderr says how to read a table."""
    (tmp_path / "hfm.md").write_text((DATA / "awesome-healthcare-foundation-models.md").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    out = _cli("import", "hfm.md", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "hfm.md: bulleted list: 279 items with links, 412 links (chosen)" in out.stderr
    assert "note: the bulleted list was read (it holds more links than the tables); --table N reads a table" in out.stderr
    assert "warning" not in out.stderr


def test_cli_errors_name_the_file_as_given(tmp_path):
    """An empty file, a missing table and a binary file exit 2 with one sentence naming the path given."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "sub" / "bin.md").write_bytes(b"\xff\xfe\x00\x81binary")
    empty = _cli("import", "sub/empty.md", cwd=tmp_path)
    assert empty.returncode == 2 and empty.stderr.startswith("sub/empty.md:1: no Markdown table found")
    no_table = _cli("import", "sub/empty.md", "--table", "2", cwd=tmp_path)
    assert no_table.returncode == 2 and "sub/empty.md:1: there is no table 2" in no_table.stderr
    binary = _cli("import", "sub/bin.md", cwd=tmp_path)
    assert binary.returncode == 2 and "sub/bin.md: not UTF-8 text" in binary.stderr
    assert "Traceback" not in empty.stderr + no_table.stderr + binary.stderr


def test_cli_reads_the_bullets_or_a_chosen_table(tmp_path):
    """--bullets reads the bulleted list of a file with tables; --table N another table; both at once is refused."""
    (tmp_path / "l.md").write_text(AI4MED + "\n## More\n\n- [X](https://github.com/x/x) - y\n", encoding="utf-8")
    bullets = _cli("import", "l.md", "--bullets", cwd=tmp_path)
    assert bullets.returncode == 0, bullets.stderr
    assert "l.md: bulleted list: 1 item with links, 1 link (chosen)" in bullets.stderr
    assert "l.md: columns: Category -> category, Name -> name, Description -> description, Links -> link" in bullets.stderr
    second = _cli("import", "l.md", "--table", "2", cwd=tmp_path)
    assert second.returncode == 0 and "l.md: 1 row, 2 links (1 paper, 1 data)" in second.stderr
    assert "note: a table was read; --bullets reads the bulleted list instead" in second.stderr
    both = _cli("import", "l.md", "--table", "2", "--bullets", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
