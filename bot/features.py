"""Turn analysed questions into the feature matrix the trained matcher learns from.

Three blocks, stacked side by side:
- word-bounded character n-grams (2-5) of the folded, repaired text, which absorb typos,
  inflections and compounds ("leeling", "facebookfoto");
- words: content stems (one and two in a row) and the lexicon's concepts ("C:PHOTO");
- optionally a multilingual sentence embedding (bot/embedding.py), scaled by a weight.
The vectorizers are fitted once on the training texts; their vocabularies and IDF weights are
plain arrays, so a fitted featurizer can be saved without pickling code.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.analysis import Analysis

FloatArray = npt.NDArray[np.float64]
Matrix = Any  # scipy.sparse.csr_matrix; scipy ships no type information

FEATURE_VERSION = "5"
"""Bumped whenever the features change, so cached models trained on older ones are rebuilt."""


def char_text(analysis: Analysis) -> str:
    """The text the character n-grams are cut from: the repaired, folded tokens."""
    return " ".join(analysis.tokens)


def word_terms(analysis: Analysis) -> list[str]:
    """Stems, pairs of neighbouring stems, and concept ids."""
    stems = list(analysis.stems)
    pairs = [f"{a}_{b}" for a, b in itertools.pairwise(stems)]
    return stems + pairs + [f"C:{c}" for c in analysis.concepts]


def _identity(terms: list[str]) -> list[str]:
    return terms


def _char_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float64,
        vocabulary=vocabulary,
    )


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        lowercase=False,
        dtype=np.float64,
        vocabulary=vocabulary,
    )


@dataclass(frozen=True)
class FeatureState:
    """What a fitted featurizer has learned: vocabularies and IDF weights per block."""

    char_vocabulary: dict[str, int]
    char_idf: FloatArray
    word_vocabulary: dict[str, int]
    word_idf: FloatArray
    embedding_weight: float
    embedding_mean: FloatArray | None = None


class Featurizer:
    """Maps analyses (and, optionally, their embeddings) to one sparse row each."""

    def __init__(self, state: FeatureState) -> None:
        self.state = state
        self._char = _char_vectorizer(state.char_vocabulary).fit([""])
        self._char.idf_ = state.char_idf
        self._word = _word_vectorizer(state.word_vocabulary).fit([[]])
        self._word.idf_ = state.word_idf

    @classmethod
    def fit(
        cls,
        analyses: Sequence[Analysis],
        embeddings: FloatArray | None = None,
        *,
        embedding_weight: float,
    ) -> Featurizer:
        """Learn the vocabularies and IDF weights (and the mean embedding) from training data."""
        char = _char_vectorizer().fit([char_text(a) for a in analyses])
        word = _word_vectorizer().fit([word_terms(a) for a in analyses])
        state = FeatureState(
            char_vocabulary={str(k): int(v) for k, v in char.vocabulary_.items()},
            char_idf=np.asarray(char.idf_, dtype=np.float64),
            word_vocabulary={str(k): int(v) for k, v in word.vocabulary_.items()},
            word_idf=np.asarray(word.idf_, dtype=np.float64),
            embedding_weight=embedding_weight,
            embedding_mean=None if embeddings is None else embeddings.mean(axis=0),
        )
        return cls(state)

    def transform(
        self, analyses: Sequence[Analysis], embeddings: FloatArray | None = None
    ) -> Matrix:
        """One row per analysis: char n-grams | words | scaled embedding (when given)."""
        blocks = [
            self._char.transform([char_text(a) for a in analyses]),
            self._word.transform([word_terms(a) for a in analyses]),
        ]
        if embeddings is not None:
            # Centred: e5 vectors all lie in one narrow cone, their mean carries no class.
            mean = self.state.embedding_mean
            centred = embeddings if mean is None else embeddings - mean
            blocks.append(sp.csr_matrix(centred * self.state.embedding_weight))
        return sp.hstack(blocks, format="csr")
