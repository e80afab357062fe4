"""The trained matcher model: one class per clause and one out-of-scope class.

Training data is every phrasing in protocol.yaml (labelled with its clause) and every question
in out_of_scope.yaml (labelled OUT_OF_SCOPE). A multinomial logistic regression
(scikit-learn) learns from the features of bot/features.py. What it learned is kept as plain
arrays (`TrainedModel`), which bot/model_cache.py saves without pickle and which predict with
one sparse product and a softmax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot import model_cache
from bot.analysis import Analysis, Analyzer
from bot.embedding import Embedder
from bot.features import FeatureState, Featurizer, FloatArray, Matrix
from bot.models import Knowledge, Lang
from bot.neighbours import NeighbourModel, fit_neighbours

OUT_OF_SCOPE = "_out_of_scope"
"""The class of questions the protocol does not answer."""


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of training, chosen by cross-validation on evaluation/tune*.yaml."""

    regularisation: float = 30.0
    embedding_weight: float = 2.0
    clause_text_weight: float = 0.5
    out_of_scope_weight: float = 1.0
    max_iter: int = 200
    max_regression_clauses: int = 1_000
    """Above this many clauses the model keeps nearest phrasings (bot/neighbours.py): the
    regression's weights would no longer fit in memory."""


@dataclass(frozen=True)
class Example:
    """One labelled training text."""

    text: str
    lang: Lang
    label: str
    weight: float = 1.0
    is_clause_text: bool = False


@dataclass(frozen=True)
class TrainedModel:
    """A fitted featurizer state and the regression's weights, with the class of each row."""

    features: FeatureState
    classes: tuple[str, ...]
    coef: FloatArray
    intercept: FloatArray
    embedder: str | None

    def probabilities(self, rows: Matrix) -> FloatArray:
        """Class probabilities, one row per input row (softmax of the linear scores)."""
        scores = np.asarray(rows @ self.coef.T) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
        return result


ClassModel = TrainedModel | NeighbourModel
"""Either kind of trained model: both give `probabilities(rows)` over `classes`."""


def training_examples(knowledge: Knowledge, config: ModelConfig) -> list[Example]:
    """Every phrasing and clause text with its clause, and every out-of-scope question."""
    examples: list[Example] = []
    for clause in knowledge.clauses:
        examples += [Example(q, "nl", clause.id) for q in clause.questions_nl]
        examples += [Example(q, "en", clause.id) for q in clause.questions_en]
        texts: tuple[tuple[Lang, str], ...] = (("nl", clause.text), ("en", clause.text_en))
        for lang, text in texts:
            title = clause.title.get(lang)
            examples.append(
                Example(f"{title}. {text}", lang, clause.id, config.clause_text_weight, True)
            )
    negatives = knowledge.out_of_scope
    weight = config.out_of_scope_weight
    examples += [Example(q, "nl", OUT_OF_SCOPE, weight) for q in negatives.nl]
    examples += [Example(q, "en", OUT_OF_SCOPE, weight) for q in negatives.en]
    return examples


def analyse_examples(examples: Sequence[Example], analyzer: Analyzer) -> list[Analysis]:
    """The analyses of the training texts, in their own language."""
    return [analyzer.analyze(e.text, e.lang, anchors=False) for e in examples]


def embed_analyses(analyses: Sequence[Analysis], embedder: Embedder | None) -> FloatArray | None:
    """The sentence embeddings of the (cleaned, clipped) texts, or None without an embedder."""
    if embedder is None:
        return None
    return embedder.embed([a.text for a in analyses])


_TRAINING_VECTORS: dict[str, dict[str, FloatArray]] = {}
MAX_REMEMBERED = 20_000


def embed_training_texts(
    analyses: Sequence[Analysis], embedder: Embedder | None
) -> FloatArray | None:
    """Like `embed_analyses`, remembering each training text's vector, in this process and in
    the model cache: an edited knowledge file retrains on a few new texts, not on all again."""
    if embedder is None:
        return None
    known = _TRAINING_VECTORS.get(embedder.name)
    if known is None:
        known = _TRAINING_VECTORS[embedder.name] = model_cache.load_vectors(embedder.name)
    texts = [a.text for a in analyses]
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    if missing:
        known.update(zip(missing, embedder.embed(missing), strict=True))
        if len(known) > MAX_REMEMBERED:  # keep what this knowledge uses, drop older versions'
            known = _TRAINING_VECTORS[embedder.name] = {t: known[t] for t in texts}
        model_cache.save_vectors(embedder.name, known)
    return np.stack([known[t] for t in texts]).astype(np.float64)


def train(
    examples: Sequence[Example],
    analyses: Sequence[Analysis],
    embeddings: FloatArray | None,
    *,
    config: ModelConfig,
    embedder: str | None,
) -> ClassModel:
    """Fit the featurizer, then the regression (or, for very many clauses, nearest phrasings)."""
    featurizer = Featurizer.fit(analyses, embeddings, embedding_weight=config.embedding_weight)
    rows = featurizer.transform(analyses, embeddings)
    labels = np.array([e.label for e in examples])
    if len(set(labels.tolist()) - {OUT_OF_SCOPE}) > config.max_regression_clauses:
        return fit_neighbours(featurizer.state, rows, labels, embedder)
    weights = np.array([e.weight for e in examples], dtype=np.float64)
    return fit_regression(featurizer.state, rows, labels, weights, config, embedder)


def fit_regression(
    features: FeatureState,
    rows: Matrix,
    labels: np.ndarray,
    weights: FloatArray,
    config: ModelConfig,
    embedder: str | None,
) -> TrainedModel:
    """A multinomial logistic regression over the rows, kept as plain arrays."""
    from sklearn.linear_model import LogisticRegression  # imported by training only

    # Newton-CG converges in a few exact steps here: several times faster than L-BFGS.
    regression = LogisticRegression(
        C=config.regularisation, solver="newton-cg", max_iter=config.max_iter
    )
    regression.fit(rows, labels, sample_weight=weights)
    return TrainedModel(
        features=features,
        classes=tuple(str(c) for c in regression.classes_),
        coef=np.asarray(regression.coef_, dtype=np.float64),
        intercept=np.asarray(regression.intercept_, dtype=np.float64),
        embedder=embedder,
    )
