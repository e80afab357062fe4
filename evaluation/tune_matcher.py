"""Grid-search the matcher's weights and fit its confidence calibration on the TUNING set only.

Usage: .venv/bin/python evaluation/tune_matcher.py [FILE ...]   (default: the three tune*.yaml)

The held-out set (evaluation/heldout.yaml) must never be passed here: it measures how the tuned
matcher generalises. Prints the best weights and the logistic calibration to put into
bot/matching.py's MatcherConfig.
"""

from __future__ import annotations

import itertools
import math
import sys
from dataclasses import replace
from pathlib import Path

from bot.evaluation import EvalItemIn, load_question_set
from bot.knowledge import load_knowledge
from bot.matching import Index, MatcherConfig, _about_protocol, build_index, rank

Sample = tuple[float, float, bool, bool]  # top score, margin, top-1 correct, in scope


def samples(items: list[EvalItemIn], index: Index) -> list[Sample]:
    """Top score, margin to the runner-up, and correctness, for every gated question."""
    out: list[Sample] = []
    for item in items:
        analysis = index.analyzer.analyze(item.q)
        ranked = rank(analysis, index) if _about_protocol(analysis, index) else []
        if not ranked:
            out.append((0.0, 0.0, False, bool(item.expect)))
            continue
        top = ranked[0]
        margin = top.score - (ranked[1].score if len(ranked) > 1 else 0.0)
        correct = index.clauses[top.clause].id in item.expect
        out.append((top.score, margin, correct, bool(item.expect)))
    return out


def fit_logistic(data: list[Sample], steps: int = 3000, rate: float = 0.5) -> tuple[float, float]:
    """Fit P(correct) = sigmoid(a * score + c) by gradient descent on log loss."""
    a, c = 1.0, 0.0
    for _ in range(steps):
        ga = gc = 0.0
        for score, _, correct, _ in data:
            p = 1.0 / (1.0 + math.exp(-(a * score + c)))
            ga += (p - correct) * score
            gc += p - correct
        a -= rate * ga / len(data)
        c -= rate * gc / len(data)
    return a, c


def accuracy(data: list[Sample], a: float, c: float, threshold: float) -> tuple[float, float]:
    """(in-scope top-1, out-of-scope abstention) when answering above `threshold`."""
    inside = [s for s in data if s[3]]
    outside = [s for s in data if not s[3]]

    def answers(s: Sample) -> bool:
        return s[0] > 0 and 1.0 / (1.0 + math.exp(-(a * s[0] + c))) >= threshold

    top1 = sum(1 for s in inside if s[2] and answers(s)) / len(inside)
    abstain = sum(1 for s in outside if not answers(s)) / len(outside)
    return top1, abstain


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or sorted(Path("evaluation").glob("tune*.yaml"))
    if any("heldout" in p.name for p in paths):  # heldout.yaml, heldout2.yaml
        raise SystemExit("refusing to tune on the held-out set")
    items = [item for path in paths for item in load_question_set(path)]
    knowledge = load_knowledge()
    best: tuple[float, MatcherConfig, float, float] | None = None
    grid = itertools.product((0.4, 0.5, 0.6), (0.2, 0.3, 0.4), (0.1, 0.2, 0.3), (0.5, 0.7, 1.0))
    for nearest, concept, fuzzy, stem_weight in grid:
        config = MatcherConfig(
            nearest_weight=nearest,
            concept_weight=concept,
            fuzzy_weight=fuzzy,
            stem_feature_weight=stem_weight,
        )
        data = samples(items, build_index(knowledge, config))
        a, c = fit_logistic(data)
        for threshold in (0.3, 0.35, 0.4, 0.45, 0.5):
            top1, abstain = accuracy(data, a, c, threshold)
            objective = min(top1, abstain) + 0.5 * (top1 + abstain)
            if best is None or objective > best[0]:
                cal = replace(config, calibration=(a, 0.0, c), threshold=threshold)
                best = (objective, cal, top1, abstain)
    assert best is not None
    _, config, top1, abstain = best
    print(config)
    print(f"tuning set: top-1 {top1:.3f}, abstention {abstain:.3f}")


if __name__ == "__main__":
    main()
