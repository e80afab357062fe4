"""How well the phrasings teach the model: cross-validated top-1 per clause, and confusions.

`policybot knowledge check` prints this. Each phrasing is predicted by a model trained on the
other folds (stratified k-fold), so the figure says how well a clause is recognised from
phrasings it has not seen. Clauses with few phrasings, and pairs of clauses that are often
taken for each other, are flagged: they need more (or clearer) phrasings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from bot.analysis import Analysis
from bot.features import Featurizer, FloatArray
from bot.model import OUT_OF_SCOPE, Example, ModelConfig, train

MIN_PHRASINGS = 15
CONFUSION_SHARE = 0.1


@dataclass(frozen=True)
class ClauseCheck:
    """Cross-validated figures of one class (a clause, or out of scope)."""

    label: str
    phrasings: int
    top1: float
    confused_with: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ModelCheck:
    """The whole cross-validation: per class, and overall."""

    folds: int
    classes: tuple[ClauseCheck, ...]

    @property
    def top1(self) -> float:
        total = sum(c.phrasings for c in self.classes)
        return sum(c.top1 * c.phrasings for c in self.classes) / total if total else 0.0

    def warnings(self) -> list[str]:
        """Clauses with too few phrasings, and clauses often taken for another."""
        found = []
        for check in self.classes:
            if check.label != OUT_OF_SCOPE and check.phrasings < MIN_PHRASINGS:
                found.append(
                    f"{check.label}: only {check.phrasings} phrasings (want {MIN_PHRASINGS}+)"
                )
            for other, count in check.confused_with:
                if count >= max(2, CONFUSION_SHARE * check.phrasings):
                    found.append(f"{check.label}: {count} of its phrasings were taken for {other}")
        return found


def cross_validate(
    examples: Sequence[Example],
    analyses: Sequence[Analysis],
    embeddings: FloatArray | None,
    *,
    config: ModelConfig,
    folds: int = 5,
) -> ModelCheck:
    """Predict every phrasing (not the clause texts) from a model trained without it."""
    labels = np.array([e.label for e in examples])
    predicted = np.array(labels, copy=True)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_rows, test_rows in splitter.split(np.zeros(len(labels)), labels):
        model = train(
            [examples[i] for i in train_rows],
            [analyses[i] for i in train_rows],
            None if embeddings is None else embeddings[train_rows],
            config=config,
            embedder=None,
        )
        rows = Featurizer(model.features).transform(
            [analyses[i] for i in test_rows], None if embeddings is None else embeddings[test_rows]
        )
        best = model.probabilities(rows).argmax(axis=1)
        predicted[test_rows] = [model.classes[b] for b in best]
    phrasing = np.array([not e.is_clause_text for e in examples])
    return ModelCheck(folds, _per_class(labels[phrasing], predicted[phrasing]))


def _per_class(labels: np.ndarray, predicted: np.ndarray) -> tuple[ClauseCheck, ...]:
    checks = []
    for label in dict.fromkeys(labels.tolist()):
        mine = labels == label
        confused = Counter(predicted[mine & (predicted != label)].tolist())
        checks.append(
            ClauseCheck(
                label=str(label),
                phrasings=int(mine.sum()),
                top1=float((predicted[mine] == label).mean()),
                confused_with=tuple((str(k), int(v)) for k, v in confused.most_common()),
            )
        )
    return tuple(checks)


def format_check(check: ModelCheck) -> list[str]:
    """The lines `policybot knowledge check` prints."""
    lines = [f"cross-validated top-1 on the phrasings ({check.folds} folds): {check.top1:.3f}"]
    for c in check.classes:
        confused = ", ".join(f"{other} {n}" for other, n in c.confused_with[:3])
        name = "out of scope" if c.label == OUT_OF_SCOPE else c.label
        lines.append(f"  {name:<12} {c.phrasings:>4} phrasings  top-1 {c.top1:.3f}  {confused}")
    lines += [f"warning: {w}" for w in check.warnings()]
    return lines
