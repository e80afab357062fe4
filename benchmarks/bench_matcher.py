"""Matcher benchmark: start-up (warm and cold model cache), training time and memory,
per-question latency and throughput, in both matcher modes.

Run on demand (not a test): `make bench`, or
    .venv/bin/python benchmarks/bench_matcher.py [--clauses 200] [--rounds 1]

The bundled protocol (25 clauses) is measured with the sentence embedding and without it; a
generated knowledge base of `--clauses` clauses (the protocol's phrasings recombined with
ordinary words) shows how training and answering grow with the number of classes. Questions
are the repository's question sets, each asked once per round with the analysis cache
cleared, so no cache can help.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from bot.assistant import Assistant
from bot.conversation import Conversations
from bot.dialogues import EVALUATOR, load_dialogues
from bot.knowledge import load_knowledge
from bot.matching import Index, build_index, match
from bot.models import IncomingMessage, Knowledge

ROOT = Path(__file__).resolve().parents[1]
DIALOGUE_FILES = ("dialogues.yaml", "dialogues_heldout.yaml")
QUESTION_FILES = ("evaluation/tune.yaml", "evaluation/heldout.yaml", "evaluation/independent.yaml")
STARTUP = (
    "from bot.knowledge import load_knowledge; from bot.matching import build_index, match; "
    "match('mag ik foto''s op facebook zetten', build_index(load_knowledge()))"
)


def questions() -> list[str]:
    """Every question of the repository's question sets, once."""
    found: list[str] = []
    for name in QUESTION_FILES:
        found += [item["q"] for item in yaml.safe_load((ROOT / name).read_text("utf-8"))]
    return list(dict.fromkeys(found))


def timed_process(code: str, env: dict[str, str]) -> float:
    """Wall seconds of a fresh Python process running `code`."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)
    return time.perf_counter() - start


def startup(embedder: str) -> None:
    """Cold (empty cache: train) once, then warm (cached model) start-up to the first answer."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "POLICYBOT_MODEL_CACHE": cache, "POLICYBOT_EMBEDDER": embedder}
        cold = timed_process(STARTUP, env)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        warm = statistics.median(timed_process(STARTUP, env) for _ in range(3))
    bare = timed_process("pass", dict(os.environ))
    print(
        f"[{embedder}] start-up to the first answer: warm {warm * 1000:.0f} ms, "
        f"cold (training) {cold * 1000:.0f} ms, training process peak RSS {peak:.0f} MiB "
        f"(bare interpreter {bare * 1000:.0f} ms)"
    )


def latencies(index: Index, items: list[str], rounds: int) -> list[float]:
    """Seconds per question, each with a cold per-question cache."""
    out = []
    for _ in range(rounds):
        for question in items:
            index.forget_recent()
            start = time.perf_counter()
            match(question, index)
            out.append(time.perf_counter() - start)
    return out


def report(name: str, build: float, times: list[float]) -> None:
    """Print one row of figures."""
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    mean = statistics.fmean(times) * 1000
    print(
        f"{name:<34} build {build:7.1f} s  mean {mean:6.2f} ms  p50 {p50:6.2f} ms  "
        f"p99 {p99:6.2f} ms  {1000 / mean:6.0f} q/s  ({len(times)} questions)"
    )


def measure(name: str, make: Callable[[], Index], items: list[str], rounds: int) -> None:
    """Time the build (training, or loading from the cache), then the questions."""
    start = time.perf_counter()
    index = make()
    build = time.perf_counter() - start
    latencies(index, items[:20], 1)  # warm the code paths once
    report(name, build, latencies(index, items, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clauses", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--generated-only", action="store_true", help="measure only the generated knowledge base"
    )
    args = parser.parse_args()
    items = questions()
    base = load_knowledge()
    if not args.generated_only:
        protocol(base, items, args.rounds)
        conversation_cost(base)
    if args.clauses > 0:
        big = synthetic_knowledge(base, args.clauses)
        name = f"generated ({args.clauses} clauses), lexical"
        measure(name, lambda: build_index(big, embedder=None), items, 1)
        print(f"  (its model: {type(index_of(big).model).__name__})")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this process's peak RSS: {rss:.0f} MiB")


def protocol(base: Knowledge, items: list[str], rounds: int) -> None:
    """Start-up in both modes, then the bundled protocol with and without the embedding."""
    for embedder in ("auto", "none"):
        startup(embedder)
    measure("protocol, lexical + embedding", lambda: build_index(base), items, rounds)
    measure("protocol, lexical only", lambda: build_index(base, embedder=None), items, rounds)


def conversation_cost(base: Knowledge) -> None:
    """Per message of the dialogue sets: the assistant with conversation context, and without."""
    index = build_index(base)
    dialogues = [d for name in DIALOGUE_FILES for d in load_dialogues(ROOT / "evaluation" / name)]
    for label, conversations in (("with context", Conversations()), ("without", None)):
        assistant = Assistant(base, index=index, conversations=conversations)
        times = []
        for number, dialogue in enumerate(dialogues):
            for turn in dialogue.turns:
                index.forget_recent()
                message = IncomingMessage(turn.q, EVALUATOR, conversation=f"bench:{number}")
                start = time.perf_counter()
                assistant.handle(message)
                times.append(time.perf_counter() - start)
        report(f"dialogue turns, {label}", 0.0, times)


def index_of(knowledge: Knowledge) -> Index:
    """The (already trained, remembered) lexical index of `knowledge`."""
    return build_index(knowledge, embedder=None)


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


if __name__ == "__main__":
    main()
