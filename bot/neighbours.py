"""The matcher's model for very large knowledge bases: nearest phrasings instead of a regression.

A multinomial regression keeps one weight per class and feature: at 10,000 clauses and some
hundred thousand n-gram features that is billions of weights, more memory than a school server
has. Above `ModelConfig.max_regression_clauses` the matcher therefore keeps the featurized
training texts themselves. A question's score for a class is its cosine similarity to that
class's nearest training text; a softmax with a temperature turns the scores into
probabilities. The temperature is learned: it minimises the log-loss of predicting each of a
sample of training texts from the others (leave one out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.features import FeatureState, FloatArray, Matrix

IntArray = npt.NDArray[np.int64]
SAMPLE = 2_000
CHUNK = 256


@dataclass(frozen=True)
class NeighbourModel:
    """Training rows grouped by class, kept transposed (one row per feature, one column per
    training text, so a question's product needs no conversion); `starts[i]` is the first
    column of class i."""

    features: FeatureState
    classes: tuple[str, ...]
    by_feature: Matrix  # scipy.sparse CSR (features x texts), columns L2-normalised, by class
    starts: IntArray
    temperature: float
    embedder: str | None

    def probabilities(self, rows: Matrix) -> FloatArray:
        """Class probabilities, one row per input row (softmax of nearest-row similarities)."""
        return _softmax(self.class_similarities(_normalised(rows)) / self.temperature)

    def class_similarities(self, rows: Matrix) -> FloatArray:
        """Each input row's cosine with the nearest training row of every class."""
        out = [
            self._chunk_similarities(rows[i : i + CHUNK]) for i in range(0, rows.shape[0], CHUNK)
        ]
        return np.vstack(out) if out else np.zeros((0, len(self.classes)))

    def _chunk_similarities(self, rows: Matrix) -> FloatArray:
        dense = np.asarray((rows @ self.by_feature).todense())
        result: FloatArray = np.maximum.reduceat(dense, self.starts, axis=1)
        return result


def fit_neighbours(
    features: FeatureState, rows: Matrix, labels: npt.NDArray[np.str_], embedder: str | None
) -> NeighbourModel:
    """Group the training rows by class and learn the softmax temperature."""
    classes, class_of_row = np.unique(labels, return_inverse=True)
    order = np.argsort(class_of_row, kind="stable")
    grouped = sp.csr_matrix(_normalised(rows)[order])
    starts = np.searchsorted(class_of_row[order], np.arange(len(classes))).astype(np.int64)
    by_feature = sp.csr_matrix(grouped.T)
    temperature = _learned_temperature(grouped, by_feature, class_of_row[order], starts)
    return NeighbourModel(
        features=features,
        classes=tuple(str(c) for c in classes),
        by_feature=by_feature,
        starts=starts,
        temperature=temperature,
        embedder=embedder,
    )


def _learned_temperature(
    rows: Matrix, by_feature: Matrix, class_of_row: IntArray, starts: IntArray
) -> float:
    """The temperature that best predicts held-out training rows from the others."""
    from scipy.optimize import minimize_scalar  # only training needs the optimiser

    picked = np.random.default_rng(0).permutation(rows.shape[0])[:SAMPLE]
    scores = _leave_one_out_similarities(rows, by_feature, picked, starts)
    truth = class_of_row[picked]

    def loss(temperature: float) -> float:
        probabilities = _softmax(scores / temperature)
        return float(-np.log(probabilities[np.arange(len(truth)), truth] + 1e-12).mean())

    found = minimize_scalar(loss, bounds=(0.005, 1.0), method="bounded")
    return float(found.x)


def _leave_one_out_similarities(
    rows: Matrix, by_feature: Matrix, picked: IntArray, starts: IntArray
) -> FloatArray:
    out = []
    for i in range(0, len(picked), CHUNK):
        chunk = picked[i : i + CHUNK]
        dense = np.asarray((rows[chunk] @ by_feature).todense())
        dense[np.arange(len(chunk)), chunk] = -1.0  # a text is not its own neighbour
        out.append(np.maximum.reduceat(dense, starts, axis=1))
    return np.vstack(out)


def _normalised(rows: Matrix) -> Matrix:
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    return sp.diags(1.0 / np.where(norms == 0.0, 1.0, norms)) @ rows


def _softmax(scores: FloatArray) -> FloatArray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result
