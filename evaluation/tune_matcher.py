"""Choose the matcher's hyper-parameters on the TUNING sets only.

Usage: .venv/bin/python evaluation/tune_matcher.py [--embedder none|auto] [FILE ...]
(default files: the three tune*.yaml)

The model is trained on the knowledge files alone (protocol.yaml phrasings and
out_of_scope.yaml); each configuration of the grid is scored on the tuning sets by in-scope
top-1 and out-of-scope abstention, at every threshold. The held-out sets
(evaluation/heldout*.yaml, evaluation/independent.yaml) must never be passed here: they measure
how the chosen configuration generalises. Prints a table; put the winner into bot/model.py's
ModelConfig and bot/matching.py's MatcherConfig.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.analysis import Analyzer
from bot.embedding import load_embedder
from bot.evaluation import EvalItemIn, load_question_set
from bot.features import Featurizer
from bot.knowledge import load_knowledge
from bot.matching import vocabulary_texts
from bot.model import (
    OUT_OF_SCOPE,
    ModelConfig,
    analyse_examples,
    embed_analyses,
    train,
    training_examples,
)

TUNING = [Path(f"evaluation/{name}.yaml") for name in ("tune", "tune2", "tune3")]
GRID: dict[str, list[float]] = {
    "regularisation": [30.0, 80.0],
    "out_of_scope_weight": [1.0],
    "clause_text_weight": [0.5],
    "embedding_weight": [1.0, 2.0, 4.0],
}
THRESHOLDS = [0.0, 0.2, 0.3, 0.4, 0.5]


@dataclass(frozen=True)
class Score:
    top1: float
    abstention: float

    @property
    def balanced(self) -> float:
        return (self.top1 + self.abstention) / 2


def score(
    probabilities: np.ndarray, classes: list[str], items: list[EvalItemIn], threshold: float
) -> Score:
    """In-scope top-1 and out-of-scope abstention at `threshold`."""
    oos = classes.index(OUT_OF_SCOPE)
    clause_probs = probabilities.copy()
    clause_probs[:, oos] = -1.0
    best = clause_probs.argmax(axis=1)
    answered = (clause_probs.max(axis=1) >= max(threshold, 1e-9)) & (
        clause_probs.max(axis=1) >= probabilities[:, oos]
    )
    inside = [i for i, item in enumerate(items) if item.expect]
    outside = [i for i, item in enumerate(items) if not item.expect]
    top1 = sum(answered[i] and classes[best[i]] in items[i].expect for i in inside) / len(inside)
    abstain = sum(not answered[i] for i in outside) / len(outside)
    return Score(top1, abstain)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedder", default="none")
    parser.add_argument("files", nargs="*", type=Path, default=TUNING)
    args = parser.parse_args()
    knowledge = load_knowledge()
    analyzer = Analyzer(knowledge.lexicon, corpus=vocabulary_texts(knowledge.clauses))
    embedder = load_embedder(args.embedder)
    items = [item for path in args.files for item in load_question_set(path)]
    questions = [analyzer.analyze(item.q) for item in items]
    question_vectors = embed_analyses(questions, embedder)
    base = training_examples(knowledge, ModelConfig())
    analyses = analyse_examples(base, analyzer)
    vectors = embed_analyses(analyses, embedder)
    keys = list(GRID)
    grid = [dict(zip(keys, values, strict=True)) for values in itertools.product(*GRID.values())]
    if embedder is None:
        grid = [g for g in grid if g["embedding_weight"] == 1.0]
    for params in grid:
        config = ModelConfig(**params)  # type: ignore[arg-type]
        examples = training_examples(knowledge, config)
        model = train(examples, analyses, vectors, config=config, embedder=None)
        rows = Featurizer(model.features).transform(questions, question_vectors)
        probabilities = model.probabilities(rows)
        for threshold in THRESHOLDS:
            s = score(probabilities, list(model.classes), items, threshold)
            print(
                f"{params} t={threshold:.2f} top1={s.top1:.3f} abstain={s.abstention:.3f} "
                f"balanced={s.balanced:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
