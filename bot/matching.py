"""Rank protocol clauses for a question: a pure function of (question, index).

The index holds a trained model (bot/model.py) with one class per clause and one out-of-scope
class, learned from the phrasings in protocol.yaml and the questions in out_of_scope.yaml over
lexical features and, when an embedder is available, a sentence embedding. Its probabilities
rank the clauses. With an embedder, a second model on lexical features alone answers first:
when it is already confident (`fast_confidence`), its probabilities stand and the sentence
embedding, which costs most of a question's time, is skipped. The matcher abstains when the
out-of-scope class wins or when the best clause's probability is below the threshold (global,
or the clause's own); it asks "did you mean" when the runner-up is close. Every match names
the clause's closest phrasing (rapidfuzz), which explains the answer.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot import model_cache
from bot.analysis import Analysis, Analyzer
from bot.embedding import Embedder, load_embedder
from bot.features import Featurizer, FloatArray
from bot.model import (
    OUT_OF_SCOPE,
    ClassModel,
    ModelConfig,
    analyse_examples,
    embed_analyses,
    embed_training_texts,
    train,
    training_examples,
)
from bot.models import Clause, Knowledge, Lang, Match, MatchResult
from bot.text import fold

LOG = logging.getLogger("policybot.matching")
EMBEDDER_ENV = "POLICYBOT_EMBEDDER"
Default = Literal["default"]


@dataclass(frozen=True)
class MatcherConfig:
    """Decision thresholds (tuned on evaluation/tune*.yaml only) and the training setup."""

    threshold: float = 0.2
    near_tie: float = 0.2
    fast_confidence: float = 0.8
    """The lexical model's top probability from which its answer stands without the embedding.
    On the tune sets every value from 0.6 up decides exactly as the embedding model does."""
    min_known_share: float = 0.6
    alternatives: int = 3
    model: ModelConfig = field(default_factory=ModelConfig)


@dataclass
class Index:
    """Everything the matcher needs, built once from the knowledge."""

    knowledge: Knowledge
    analyzer: Analyzer
    config: MatcherConfig
    model: ClassModel
    featurizer: Featurizer
    embedder: Embedder | None
    fast_model: ClassModel | None
    fast_featurizer: Featurizer | None
    phrasings: list[list[str]]
    folded_phrasings: list[list[str]]
    clause_rows: list[int]
    out_of_scope_row: int
    recent: ProbabilityCache = field(default_factory=lambda: ProbabilityCache())
    """The probabilities of recently asked texts: staff ask the same questions again."""

    def reconfigured(self, **changes: float) -> Index:
        """This index with other decision settings (`MatcherConfig` fields) and its own cache."""
        config = replace(self.config, **changes)  # type: ignore[arg-type]
        return replace(self, config=config, recent=ProbabilityCache())

    def forget_recent(self) -> None:
        """Empty the per-question caches (the analysis and the probabilities): benchmarks."""
        self.analyzer.analyze.cache_clear()
        self.recent.clear()

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return self.knowledge.clauses

    @property
    def mode(self) -> str:
        """ "lexical+embedding" or "lexical": which features the model uses."""
        return "lexical+embedding" if self.embedder is not None else "lexical"


def build_index(
    knowledge: Knowledge,
    config: MatcherConfig | None = None,
    *,
    embedder: Embedder | Default | None = "default",
) -> Index:
    """Load the trained model for `knowledge` from the cache, or train and cache it."""
    cfg = config or MatcherConfig()
    chosen = default_embedder() if embedder == "default" else embedder
    corpus = vocabulary_texts(knowledge.clauses)
    analyzer = Analyzer(knowledge.lexicon, corpus=corpus)
    model = trained_model(knowledge, analyzer, corpus, cfg.model, chosen)
    fast = trained_model(knowledge, analyzer, corpus, cfg.model, None) if chosen else None
    rows = {label: i for i, label in enumerate(model.classes)}
    phrasings = [list(c.questions) or [c.title.nl, c.title.en] for c in knowledge.clauses]
    return Index(
        knowledge=knowledge,
        analyzer=analyzer,
        config=cfg,
        model=model,
        featurizer=Featurizer(model.features),
        embedder=chosen,
        fast_model=fast,
        fast_featurizer=Featurizer(fast.features) if fast else None,
        phrasings=phrasings,
        folded_phrasings=[[fold(p) for p in group] for group in phrasings],
        clause_rows=[rows[c.id] for c in knowledge.clauses],
        out_of_scope_row=rows.get(OUT_OF_SCOPE, -1),
    )


_DEFAULT_EMBEDDERS: dict[str, Embedder | None] = {}
_TRAINED: dict[str, ClassModel] = {}
_LOCK = threading.Lock()


def default_embedder() -> Embedder | None:
    """The embedder POLICYBOT_EMBEDDER names ("auto" by default), loaded once per process."""
    choice = os.environ.get(EMBEDDER_ENV, "auto").strip() or "auto"
    with _LOCK:
        if choice not in _DEFAULT_EMBEDDERS:
            _DEFAULT_EMBEDDERS[choice] = load_embedder(choice)
        return _DEFAULT_EMBEDDERS[choice]


def trained_model(
    knowledge: Knowledge,
    analyzer: Analyzer,
    corpus: Sequence[str],
    config: ModelConfig,
    embedder: Embedder | None,
) -> ClassModel:
    """The model for this knowledge: from memory, from the disk cache, or trained now."""
    name = embedder.name if embedder is not None else None
    examples = training_examples(knowledge, config)
    key = model_cache.fingerprint(examples, knowledge.lexicon, corpus, config, name)
    with _LOCK:
        cached = _TRAINED.get(key) or model_cache.load(key)
    if cached is None:
        LOG.info("training the matcher model (%s features)", "embedding" if name else "lexical")
        analyses = analyse_examples(examples, analyzer)
        embeddings = embed_training_texts(analyses, embedder)
        cached = train(examples, analyses, embeddings, config=config, embedder=name)
        model_cache.save(key, cached)
    with _LOCK:
        _TRAINED[key] = cached
    return cached


def vocabulary_texts(clauses: Sequence[Clause]) -> list[str]:
    """The texts the analyser's vocabulary (typo repair, compound splitting) is built from."""
    texts: list[str] = []
    for c in clauses:
        texts += [*c.questions, c.text, c.text_en, c.answer.nl, c.answer.en, c.title.nl, c.title.en]
    return texts


def match(question: str, index: Index, *, lang: Lang | None = None) -> MatchResult:
    """Rank the clauses for `question` and decide whether to answer, ask, or abstain."""
    analysis = index.analyzer.analyze(question, lang)
    if not analysis.tokens:
        return MatchResult(analysis.text, analysis.lang, (), True, "empty", analysis.truncated)
    probabilities = clause_probabilities(analysis, index)
    matches = _ranked_matches(analysis, probabilities, index)
    abstain, reason = _abstention(analysis, probabilities, matches, index)
    return MatchResult(
        question=analysis.text,
        lang=analysis.lang,
        matches=matches,
        abstained=abstain,
        reason=reason,
        truncated=analysis.truncated,
        ambiguous=not abstain and _near_tie(matches, index.config),
        concepts=analysis.concepts,
    )


class ProbabilityCache:
    """The last `size` texts' class probabilities, thread-safe (least recently used out)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], FloatArray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> FloatArray | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], value: FloatArray) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def clause_probabilities(analysis: Analysis, index: Index) -> FloatArray:
    """The model's probability of every class (clauses and out of scope) for one analysis,
    remembered for texts asked again."""
    key = (analysis.text, analysis.lang)
    found = index.recent.get(key)
    if found is None:
        found = computed_probabilities(analysis, index)
        index.recent.put(key, found)
    return found


def computed_probabilities(analysis: Analysis, index: Index) -> FloatArray:
    """The lexical model's probabilities when it is confident, else the embedding model's."""
    if index.fast_model is not None and index.fast_featurizer is not None:
        quick = index.fast_model.probabilities(index.fast_featurizer.transform([analysis]))[0]
        if float(quick.max()) >= index.config.fast_confidence:
            return _in_order(quick, index.fast_model, index.model)
    embeddings = embed_analyses([analysis], index.embedder)
    rows = index.featurizer.transform([analysis], embeddings)
    result: FloatArray = index.model.probabilities(rows)[0]
    return result


def _in_order(probabilities: FloatArray, source: ClassModel, target: ClassModel) -> FloatArray:
    """`probabilities` of `source`'s classes, reordered as `target`'s classes."""
    if source.classes == target.classes:
        return probabilities
    where = {label: i for i, label in enumerate(source.classes)}
    result: FloatArray = probabilities[[where[label] for label in target.classes]]
    return result


def _ranked_matches(
    analysis: Analysis, probabilities: FloatArray, index: Index
) -> tuple[Match, ...]:
    clause_probs = probabilities[index.clause_rows]
    order = np.argsort(-clause_probs, kind="stable")[: index.config.alternatives + 1]
    return tuple(_to_match(int(i), float(clause_probs[i]), analysis, index) for i in order)


def _to_match(clause: int, probability: float, analysis: Analysis, index: Index) -> Match:
    return Match(
        clause_id=index.clauses[clause].id,
        score=round(probability, 4),
        confidence=round(probability, 4),
        phrasing=closest_phrasing(analysis, clause, index),
        concepts=tuple(c for c in analysis.concepts if c in index.clauses[clause].concepts),
    )


def closest_phrasing(analysis: Analysis, clause: int, index: Index) -> str:
    """The clause's phrasing nearest to the question as typed (rapidfuzz token-set ratio)."""
    found = process.extractOne(
        fold(analysis.text), index.folded_phrasings[clause], scorer=fuzz.token_set_ratio
    )
    return index.phrasings[clause][found[2]] if found else index.phrasings[clause][0]


def _near_tie(matches: Sequence[Match], cfg: MatcherConfig) -> bool:
    return len(matches) > 1 and matches[0].score - matches[1].score < cfg.near_tie


def _abstention(
    analysis: Analysis, probabilities: FloatArray, matches: Sequence[Match], index: Index
) -> tuple[bool, str]:
    if analysis.known_share < index.config.min_known_share:
        return True, "other_language"
    best = matches[0]
    if index.out_of_scope_row >= 0 and probabilities[index.out_of_scope_row] > best.confidence:
        return True, "out_of_scope"
    threshold = index.knowledge.clause(best.clause_id).threshold or index.config.threshold
    if best.confidence < threshold:
        return True, "low_confidence"
    return False, "confident"
