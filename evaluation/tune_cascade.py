"""Choose the lexical first pass's `fast_confidence` on the TUNING sets only.

Usage: .venv/bin/python evaluation/tune_cascade.py [FILE ...] (default: the three tune*.yaml)

With an embedder, the matcher first asks a model trained on lexical features alone; when that
model's top probability reaches `fast_confidence`, its answer stands and the sentence
embedding is skipped. For every candidate value this prints, per file, in-scope top-1,
out-of-scope abstention and the share of questions that skip the embedding. Pick the lowest
value at which the decisions equal those of the embedding model alone (the 1.01 row), and put
it into bot/matching.py's MatcherConfig. Never pass the held-out sets here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation import load_question_set
from bot.knowledge import load_knowledge
from bot.matching import Index, build_index, clause_probabilities, match

TUNING = [Path(f"evaluation/{name}.yaml") for name in ("tune", "tune2", "tune3")]
CANDIDATES = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01]


@dataclass(frozen=True)
class Outcome:
    expect: tuple[str, ...]
    embedding: str | None
    lexical: str | None
    lexical_confidence: float


def decided(question: str, index: Index) -> tuple[str | None, float]:
    """The clause the index answers with (None when it abstains) and the top probability of
    any class, out of scope included (what the first pass compares with `fast_confidence`)."""
    result = match(question, index)
    analysis = index.analyzer.analyze(question)
    top = float(clause_probabilities(analysis, index).max()) if analysis.tokens else 0.0
    return (None if result.abstained or not result.matches else result.matches[0].clause_id), top


def outcomes(path: Path, embedding: Index, lexical: Index) -> list[Outcome]:
    found = []
    for item in load_question_set(path):
        with_embedding, _ = decided(item.q, embedding)
        lexical_answer, confidence = decided(item.q, lexical)
        found.append(Outcome(tuple(item.expect), with_embedding, lexical_answer, confidence))
    return found


def summary(rows: list[Outcome], fast_confidence: float) -> str:
    def pick(row: Outcome) -> str | None:
        return row.lexical if row.lexical_confidence >= fast_confidence else row.embedding

    inside = [r for r in rows if r.expect]
    outside = [r for r in rows if not r.expect]
    top1 = sum(pick(r) in r.expect for r in inside) / max(1, len(inside))
    abstain = sum(pick(r) is None for r in outside) / max(1, len(outside))
    skipped = sum(r.lexical_confidence >= fast_confidence for r in rows) / max(1, len(rows))
    return f"top1={top1:.3f} abstain={abstain:.3f} skips-embedding={skipped:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path, default=TUNING)
    args = parser.parse_args()
    knowledge = load_knowledge()
    default = build_index(knowledge)
    embedding = default.reconfigured(fast_confidence=1.01)
    lexical = build_index(knowledge, embedder=None)
    results = {path: outcomes(path, embedding, lexical) for path in args.files}
    for fast_confidence in CANDIDATES:
        for path, rows in results.items():
            figures = summary(rows, fast_confidence)
            print(f"fast_confidence={fast_confidence:.2f} {path.stem:<8} {figures}")


if __name__ == "__main__":
    main()
