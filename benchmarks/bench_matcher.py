"""Matcher benchmark: start-up, load + index time, per-question latency, throughput, memory.

Run on demand (not a test): `make bench`, or
    .venv/bin/python benchmarks/bench_matcher.py [--clauses 10000] [--rounds 3]

Two knowledge bases are measured: the bundled protocol (25 clauses) and a generated one of
`--clauses` clauses whose phrasings recombine the protocol's phrasings with ordinary Dutch and
English words, so that the vocabulary and posting lists grow as a real large base would.
Questions are the repository's own question sets; the per-question analysis cache is cleared
before each question, so every measurement is a question the matcher has not seen yet.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from bot.knowledge import load_knowledge
from bot.matching import Index, build_index, match
from bot.models import Knowledge

ROOT = Path(__file__).resolve().parents[1]
QUESTION_FILES = ("evaluation/tune.yaml", "evaluation/heldout.yaml")
STARTUP = (
    "from bot.knowledge import load_knowledge; from bot.matching import build_index, match; "
    "match('mag ik foto''s op facebook zetten', build_index(load_knowledge()))"
)


def questions() -> list[str]:
    """Every question of the repository's question sets."""
    found: list[str] = []
    for name in QUESTION_FILES:
        found += [item["q"] for item in yaml.safe_load((ROOT / name).read_text("utf-8"))]
    return found


def startup_seconds(runs: int = 5) -> tuple[float, float]:
    """Median wall times: a fresh process that loads, indexes and answers once; a bare one."""

    def timed(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return time.perf_counter() - start

    bare = statistics.median(timed("pass") for _ in range(runs))
    full = statistics.median(timed(STARTUP) for _ in range(runs))
    return full, bare


def synthetic_knowledge(base: Knowledge, size: int, seed: int = 7) -> Knowledge:
    """A knowledge base of `size` clauses built by recombining the real phrasings."""
    rng = random.Random(seed)
    words = sorted(base.lexicon.common_words)
    clauses = []
    for n in range(size):
        source = base.clauses[n % len(base.clauses)]
        extra = rng.sample(words, 6)

        def vary(text: str, extra: list[str] = extra) -> str:
            return f"{text} {' '.join(rng.sample(extra, 3))}"

        clauses.append(
            replace(
                source,
                id=f"X{n}",
                number=f"X.{n}",
                questions_nl=tuple(vary(q) for q in source.questions_nl[:8]),
                questions_en=tuple(vary(q) for q in source.questions_en[:4]),
                related=(),
                threshold=None,
            )
        )
    return replace(base, clauses=tuple(clauses))


def latencies(index: Index, items: list[str], rounds: int) -> list[float]:
    """Seconds per question, each with a cold per-question cache."""
    out = []
    for _ in range(rounds):
        for question in items:
            index.analyzer.analyze.cache_clear()
            start = time.perf_counter()
            match(question, index)
            out.append(time.perf_counter() - start)
    return out


def report(name: str, build: float, peak: int, times: list[float]) -> None:
    """Print one row of figures."""
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    qps = len(times) / sum(times)
    print(
        f"{name:<22} load+index {build * 1000:8.0f} ms  peak {peak / 2**20:7.1f} MiB  "
        f"p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  {qps:8.0f} q/s  ({len(times)} questions)"
    )


def measure(name: str, make: Callable[[], Index], items: list[str], rounds: int) -> None:
    """Time the build, measure its memory in a second build, then time the questions."""
    start = time.perf_counter()
    index = make()
    build = time.perf_counter() - start
    tracemalloc.start()
    make()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    latencies(index, items[:20], 1)  # warm the token caches once
    report(name, build, peak, latencies(index, items, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clauses", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = questions()
    full, bare = startup_seconds()
    print(f"start-up (fresh process: import, load, index, first answer): {full * 1000:.0f} ms")
    print(f"  of which the bare interpreter: {bare * 1000:.0f} ms")
    base = load_knowledge()
    measure("protocol (25 clauses)", lambda: build_index(load_knowledge()), items, args.rounds)
    if args.clauses <= 0:
        return
    big = synthetic_knowledge(base, args.clauses)
    measure(f"generated ({args.clauses} clauses)", lambda: build_index(big), items, 1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
