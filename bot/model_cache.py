"""Train once per knowledge version: trained models cached on disk, keyed by what they learned.

The key is a SHA-256 over what training reads (the labelled examples, the lexicon and the
texts the analyser's vocabulary comes from), the training configuration, the embedder's name,
the feature version and the scikit-learn version: an edit that changes what the model learns,
or a code change that alters the features, trains anew; anything else (a threshold, an answer
text, a related clause) does not. The model is stored as one .npz of plain arrays (no pickle:
loading a cache file never runs code) with its vocabularies as JSON inside it.

The cache folder is POLICYBOT_MODEL_CACHE, else $XDG_CACHE_HOME/policybot/models, else
~/.cache/policybot/models: outside the installed package, so it works from a wheel and on a
read-only install. `policybot knowledge build` fills it ahead of time (the Procfile's release
step); when the folder cannot be written, the model is trained in memory and a warning says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn

from bot.features import FEATURE_VERSION, FeatureState, FloatArray
from bot.model import ClassModel, Example, ModelConfig, TrainedModel
from bot.models import Lexicon
from bot.neighbours import NeighbourModel

LOG = logging.getLogger("policybot.model")
CACHE_ENV = "POLICYBOT_MODEL_CACHE"


def cache_folder() -> Path:
    """Where trained models are kept (see the module docstring)."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "policybot" / "models"


def fingerprint(
    examples: Sequence[Example],
    lexicon: Lexicon,
    corpus: Sequence[str],
    config: ModelConfig,
    embedder: str | None,
) -> str:
    """The cache key of the model these examples train (see the module docstring)."""
    content = {
        "examples": _canonical(list(examples)),
        "lexicon": _canonical(lexicon),
        "corpus": list(corpus),
        "config": _canonical(config),
        "embedder": embedder,
        "features": FEATURE_VERSION,
        "sklearn": sklearn.__version__,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _canonical(value: Any) -> Any:
    """A JSON-able form that is the same in every process (sets sorted, dataclasses as dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, set | frozenset):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def load(key: str, folder: Path | None = None) -> ClassModel | None:
    """The cached model for `key`, or None when there is none or it cannot be read."""
    path = (folder or cache_folder()) / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return _from_arrays(data)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError, KeyError) as exc:
        LOG.warning("ignoring the unreadable cached model %s: %s", path, exc)
        return None


def save(key: str, model: ClassModel, folder: Path | None = None) -> Path | None:
    """Write the model atomically; None (and a warning) when the folder cannot be written."""
    target = folder or cache_folder()
    path = target / f"{key}.npz"
    return path if _write_atomically(path, _to_arrays(model)) else None


def _write_atomically(path: Path, arrays: dict[str, Any]) -> bool:
    """Write one .npz through a temporary file; False (and a warning) when it cannot be."""
    target = path.parent
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        handle, temporary = tempfile.mkstemp(dir=target, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(buffer.getvalue())
        os.replace(temporary, path)
    except OSError as exc:
        LOG.warning("cannot write %s (%s); it lives in memory only", path, exc)
        return False
    return True


def _to_arrays(model: ClassModel) -> dict[str, Any]:
    neighbours = isinstance(model, NeighbourModel)
    meta = {
        "kind": "neighbours" if neighbours else "regression",
        "classes": list(model.classes),
        "embedder": model.embedder,
        "embedding_weight": model.features.embedding_weight,
        "char_vocabulary": model.features.char_vocabulary,
        "word_vocabulary": model.features.word_vocabulary,
    }
    features = {
        "meta": np.array(json.dumps(meta, ensure_ascii=False)),
        "char_idf": model.features.char_idf,
        "word_idf": model.features.word_idf,
        "embedding_mean": (
            np.zeros(0) if model.features.embedding_mean is None else model.features.embedding_mean
        ),
    }
    if isinstance(model, NeighbourModel):
        return features | _neighbour_arrays(model)
    return features | {"coef": model.coef, "intercept": model.intercept}


def _neighbour_arrays(model: NeighbourModel) -> dict[str, Any]:
    matrix = model.by_feature
    return {
        "by_feature_data": matrix.data,
        "by_feature_indices": matrix.indices,
        "by_feature_indptr": matrix.indptr,
        "by_feature_shape": np.array(matrix.shape),
        "starts": model.starts,
        "temperature": np.array(model.temperature),
    }


def _from_arrays(data: Any) -> ClassModel:
    meta = json.loads(str(data["meta"]))
    features = _features_from(data, meta)
    if meta.get("kind") == "neighbours":
        return NeighbourModel(
            features=features,
            classes=tuple(meta["classes"]),
            by_feature=_csr(data, "by_feature"),
            starts=data["starts"],
            temperature=float(data["temperature"]),
            embedder=meta["embedder"],
        )
    return TrainedModel(
        features=features,
        classes=tuple(meta["classes"]),
        coef=data["coef"],
        intercept=data["intercept"],
        embedder=meta["embedder"],
    )


def _csr(data: Any, name: str) -> Any:
    shape = tuple(int(n) for n in data[f"{name}_shape"])
    parts = (data[f"{name}_data"], data[f"{name}_indices"], data[f"{name}_indptr"])
    return sp.csr_matrix(parts, shape=shape)


def _features_from(data: Any, meta: dict[str, Any]) -> FeatureState:
    return FeatureState(
        char_vocabulary=meta["char_vocabulary"],
        char_idf=data["char_idf"],
        word_vocabulary=meta["word_vocabulary"],
        word_idf=data["word_idf"],
        embedding_weight=float(meta["embedding_weight"]),
        embedding_mean=data["embedding_mean"] if data["embedding_mean"].size else None,
    )


def vectors_path(embedder: str, folder: Path | None = None) -> Path:
    """Where the training texts' embeddings of `embedder` are kept."""
    digest = hashlib.sha256(embedder.encode("utf-8")).hexdigest()[:16]
    return (folder or cache_folder()) / f"vectors-{digest}.npz"


def load_vectors(embedder: str, folder: Path | None = None) -> dict[str, FloatArray]:
    """The remembered embeddings of training texts (empty when there are none)."""
    path = vectors_path(embedder, folder)
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except (OSError, ValueError, KeyError) as exc:
        LOG.warning("ignoring the unreadable embedding cache %s: %s", path, exc)
        return {}


def save_vectors(embedder: str, vectors: dict[str, FloatArray], folder: Path | None = None) -> None:
    """Keep the training texts' embeddings, so a new process embeds only new texts."""
    if not vectors:
        return
    texts = list(vectors)
    arrays = {"texts": np.array(texts), "vectors": np.stack([vectors[t] for t in texts])}
    _write_atomically(vectors_path(embedder, folder), arrays)
