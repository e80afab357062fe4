"""Rank protocol clauses for a question: a pure function of (question, index).

Scoring combines three signals per clause:
- `nearest`: the best TF-IDF cosine between the question and one of the clause's phrasings,
  over concept features ("C:PHOTO") and content stems, so paraphrases with other words land;
- `concepts`: how much of the question's (weighted) concepts the clause's concept profile
  explains;
- `fuzzy`: rapidfuzz similarity of the folded question to the clause's closest phrasing, which
  rewards near-verbatim questions and spelling variants.
A candidate prefilter (an inverted index over features) keeps ranking fast for large knowledge
bases. The combined score is calibrated to a 0..1 confidence by a logistic curve fitted on the
tuning set; below the threshold (global, or the clause's own) the matcher abstains, and it
always abstains when the question names no protocol concept at all.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.analysis import Analysis, Analyzer
from bot.models import Clause, Knowledge, Lang, Match, MatchResult
from bot.text import fold

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MatcherConfig:
    """Weights and thresholds, tuned on evaluation/tune.yaml only."""

    nearest_weight: float = 0.4
    concept_weight: float = 0.2
    fuzzy_weight: float = 0.3
    contrast_weight: float = 0.15
    stem_feature_weight: float = 1.0
    text_doc_weight: float = 0.85
    calibration: tuple[float, float, float] = (13.07, 0.0, -4.63)
    threshold: float = 0.3
    near_tie: float = 0.04
    candidates: int = 12
    fuzzy_docs: int = 6
    min_known_share: float = 0.6
    alternatives: int = 3


@dataclass(frozen=True)
class Doc:
    """One phrasing of a clause, as indexed."""

    clause: int
    text: str
    folded: str
    weight: float


@dataclass
class Index:
    """Everything the matcher needs, built once from the knowledge."""

    knowledge: Knowledge
    analyzer: Analyzer
    config: MatcherConfig
    docs: list[Doc]
    doc_clause: IntArray
    postings: dict[str, tuple[IntArray, FloatArray]]
    idf: dict[str, float]
    profiles: list[dict[str, float]]
    concept_weight: dict[str, float]
    clause_docs: list[list[int]] = field(default_factory=list)
    clause_starts: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return self.knowledge.clauses


def build_index(knowledge: Knowledge, config: MatcherConfig | None = None) -> Index:
    """Analyse every phrasing of every clause and build the inverted index."""
    cfg = config or MatcherConfig()
    analyzer = Analyzer(knowledge.lexicon, corpus=_corpus(knowledge.clauses))
    docs, analyses = _analyse_docs(knowledge.clauses, analyzer, cfg)
    concept_weight = {c.id: c.weight for c in knowledge.lexicon.concepts}
    idf = _inverse_document_frequency(analyses, len(knowledge.clauses), docs)
    vectors = [_vector(a.features, idf, concept_weight, cfg) for a in analyses]
    index = Index(
        knowledge=knowledge,
        analyzer=analyzer,
        config=cfg,
        docs=docs,
        doc_clause=np.array([d.clause for d in docs], dtype=np.int64),
        postings=_postings(vectors, docs),
        idf=idf,
        profiles=_concept_profiles(knowledge.clauses, docs, analyses),
        concept_weight=concept_weight,
    )
    index.clause_docs = [[] for _ in knowledge.clauses]
    for i, doc in enumerate(docs):
        index.clause_docs[doc.clause].append(i)
    # Docs are stored clause by clause, so per-clause maxima are one reduceat.
    index.clause_starts = np.array([ids[0] for ids in index.clause_docs], dtype=np.int64)
    return index


def _corpus(clauses: Sequence[Clause]) -> list[str]:
    texts: list[str] = []
    for c in clauses:
        texts += [*c.questions, c.text, c.text_en, c.answer.nl, c.answer.en, c.title.nl, c.title.en]
    return texts


def _analyse_docs(
    clauses: Sequence[Clause], analyzer: Analyzer, cfg: MatcherConfig
) -> tuple[list[Doc], list[Analysis]]:
    docs: list[Doc] = []
    analyses: list[Analysis] = []
    for i, clause in enumerate(clauses):
        sources: list[tuple[str, Lang, float]] = [(q, "nl", 1.0) for q in clause.questions_nl]
        sources += [(q, "en", 1.0) for q in clause.questions_en]
        sources += [
            (f"{clause.title.nl}. {clause.text}", "nl", cfg.text_doc_weight),
            (f"{clause.title.en}. {clause.text_en}", "en", cfg.text_doc_weight),
        ]
        for text, lang, weight in sources:
            analyses.append(analyzer.analyze(text, lang, anchors=False))
            docs.append(Doc(i, text, fold(text), weight))
    return docs, analyses


def _inverse_document_frequency(
    analyses: Sequence[Analysis], clause_count: int, docs: Sequence[Doc]
) -> dict[str, float]:
    """IDF over clauses (not phrasings), so a clause's many phrasings do not dilute it."""
    holders: dict[str, set[int]] = {}
    for analysis, doc in zip(analyses, docs, strict=True):
        for feature in analysis.features:
            holders.setdefault(feature, set()).add(doc.clause)
    return {f: math.log(1.0 + clause_count / len(c)) for f, c in holders.items()}


def _feature_weight(feature: str, concept_weight: dict[str, float], cfg: MatcherConfig) -> float:
    if feature[0] == "C":
        return concept_weight.get(feature[2:], 1.0)
    return cfg.stem_feature_weight


def _vector(
    features: Sequence[str],
    idf: dict[str, float],
    concept_weight: dict[str, float],
    cfg: MatcherConfig,
) -> dict[str, float]:
    raw = {
        f: idf.get(f, 0.0) * _feature_weight(f, concept_weight, cfg)
        for f in dict.fromkeys(features)
    }
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {f: v / norm for f, v in raw.items() if v > 0.0}


def _postings(
    vectors: Sequence[dict[str, float]], docs: Sequence[Doc]
) -> dict[str, tuple[IntArray, FloatArray]]:
    lists: dict[str, tuple[list[int], list[float]]] = {}
    for doc_id, (vector, doc) in enumerate(zip(vectors, docs, strict=True)):
        for feature, value in vector.items():
            ids, values = lists.setdefault(feature, ([], []))
            ids.append(doc_id)
            values.append(value * doc.weight)
    return {
        f: (np.array(ids, dtype=np.int64), np.array(values, dtype=np.float64))
        for f, (ids, values) in lists.items()
    }


def _concept_profiles(
    clauses: Sequence[Clause], docs: Sequence[Doc], analyses: Sequence[Analysis]
) -> list[dict[str, float]]:
    """Per clause: the share of its phrasings naming each concept; its own concepts count 1."""
    counts: list[Counter[str]] = [Counter() for _ in clauses]
    sizes = Counter(doc.clause for doc in docs)
    for doc, analysis in zip(docs, analyses, strict=True):
        counts[doc.clause].update(analysis.concepts)
    profiles = []
    for i, clause in enumerate(clauses):
        profile = {c: n / sizes[i] for c, n in counts[i].items()}
        profile.update({c: 1.0 for c in clause.concepts})
        profiles.append(profile)
    return profiles


@dataclass(frozen=True)
class Scored:
    """A candidate clause with its component scores."""

    clause: int
    score: float
    nearest: float
    concepts: float
    fuzzy: float
    doc: int


def match(question: str, index: Index, *, lang: Lang | None = None) -> MatchResult:
    """Rank the clauses for `question` and decide whether to answer, ask, or abstain."""
    analysis = index.analyzer.analyze(question, lang)
    ranked = rank(analysis, index)
    matches = tuple(_to_match(s, index) for s in ranked[: index.config.alternatives + 1])
    abstain, reason = _abstention(analysis, matches, index)
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


def rank(analysis: Analysis, index: Index) -> list[Scored]:
    """All candidate clauses for an analysed question, best first."""
    doc_scores = _doc_similarities(analysis, index)
    if doc_scores is None:
        return []
    candidates = _candidate_clauses(doc_scores, index)
    fuzzy = _fuzzy_similarities(analysis, candidates, doc_scores, index)
    scored = [_score_clause(c, analysis, doc_scores, fuzzy, index) for c in candidates]
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _doc_similarities(analysis: Analysis, index: Index) -> FloatArray | None:
    query = _vector(analysis.features, index.idf, index.concept_weight, index.config)
    hits = [(index.postings[f], w) for f, w in query.items() if f in index.postings]
    if not hits:
        return None
    ids = np.concatenate([p[0] for p, _ in hits])
    values = np.concatenate([p[1] * w for p, w in hits])
    scores = np.bincount(ids, weights=values, minlength=len(index.docs))
    return scores.astype(np.float64, copy=False)


def _candidate_clauses(doc_scores: FloatArray, index: Index) -> list[int]:
    best = np.maximum.reduceat(doc_scores, index.clause_starts)
    count = min(index.config.candidates, len(best))
    top = np.argpartition(-best, count - 1)[:count]
    return [int(c) for c in top if best[c] > 0.0]


def _clause_scores(clause: int, doc_scores: FloatArray, index: Index) -> FloatArray:
    """The similarities of one clause's phrasings (stored contiguously)."""
    start = int(index.clause_starts[clause])
    return doc_scores[start : start + len(index.clause_docs[clause])]


def _best_docs(clause: int, doc_scores: FloatArray, index: Index, count: int) -> list[int]:
    """The clause's `count` closest phrasings by TF-IDF similarity (ties: document order)."""
    order = np.argsort(-_clause_scores(clause, doc_scores, index), kind="stable")[:count]
    start = int(index.clause_starts[clause])
    return [start + int(i) for i in order]


def _fuzzy_similarities(
    analysis: Analysis, candidates: Sequence[int], doc_scores: FloatArray, index: Index
) -> dict[int, float]:
    """Per candidate clause: the best rapidfuzz token-set similarity to its closest phrasings."""
    count = index.config.fuzzy_docs
    chosen = [(c, d) for c in candidates for d in _best_docs(c, doc_scores, index, count)]
    choices = [index.docs[d].folded for _, d in chosen]
    scores = process.cdist([fold(analysis.text)], choices, scorer=fuzz.token_set_ratio)[0]
    best: dict[int, float] = {}
    for (clause, _), score in zip(chosen, scores, strict=True):
        best[clause] = max(best.get(clause, 0.0), float(score) / 100.0)
    return best


def _score_clause(
    clause: int,
    analysis: Analysis,
    doc_scores: FloatArray,
    fuzzy_by_clause: dict[int, float],
    index: Index,
) -> Scored:
    cfg = index.config
    own = _clause_scores(clause, doc_scores, index)
    best_doc = int(index.clause_starts[clause]) + int(own.argmax())
    nearest = float(own.max())
    concepts = _concept_score(analysis.concepts, index.profiles[clause], index)
    fuzzy = fuzzy_by_clause.get(clause, 0.0)
    contrast = _contrast_penalty(analysis.concepts, index.profiles[clause], index)
    score = (
        cfg.nearest_weight * nearest
        + cfg.concept_weight * concepts
        + cfg.fuzzy_weight * fuzzy
        - cfg.contrast_weight * contrast
    )
    return Scored(clause, score, nearest, concepts, fuzzy, best_doc)


def _contrast_penalty(concepts: Sequence[str], profile: dict[str, float], index: Index) -> float:
    """How strongly the clause rests on concepts the question's own concepts exclude."""
    named = set(concepts)
    return sum(
        profile.get(other, 0.0)
        for one, other in index.knowledge.lexicon.contrasts
        if one in named and other not in named
    )


def _concept_score(concepts: Sequence[str], profile: dict[str, float], index: Index) -> float:
    weights = {c: index.idf.get(f"C:{c}", 0.0) * index.concept_weight.get(c, 1.0) for c in concepts}
    total = sum(weights.values())
    if total <= 0.0:
        return 0.0
    return sum(w * profile.get(c, 0.0) for c, w in weights.items()) / total


def _to_match(scored: Scored, index: Index) -> Match:
    a, _, c = index.config.calibration
    confidence = 1.0 / (1.0 + math.exp(-(a * scored.score + c)))
    clause = index.clauses[scored.clause]
    return Match(
        clause_id=clause.id,
        score=round(scored.score, 4),
        confidence=round(confidence, 4),
        phrasing=index.docs[scored.doc].text,
    )


def _near_tie(matches: Sequence[Match], cfg: MatcherConfig) -> bool:
    return len(matches) > 1 and matches[0].score - matches[1].score < cfg.near_tie


def _about_protocol(analysis: Analysis, index: Index) -> bool:
    """True when the question names a domain term or anchor, or a domain combination."""
    if analysis.anchored:
        return True
    named = set(analysis.concepts)
    return any(combo <= named for combo in index.knowledge.lexicon.domain_combinations)


def _abstention(analysis: Analysis, matches: Sequence[Match], index: Index) -> tuple[bool, str]:
    if not analysis.tokens:
        return True, "empty"
    if analysis.known_share < index.config.min_known_share:
        return True, "other_language"
    if not _about_protocol(analysis, index):
        return True, "no_protocol_concept"
    if not matches:
        return True, "no_match"
    best = matches[0]
    threshold = index.knowledge.clause(best.clause_id).threshold or index.config.threshold
    if best.confidence < threshold:
        return True, "low_confidence"
    return False, "confident"
