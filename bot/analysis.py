"""Turn a raw message into the features the matcher ranks on.

The pipeline: clean and clip, fold, rewrite chat aliases ("mag k" -> "mag ik"), split unknown
compounds and correct typos against the vocabulary, detect the language, tag lexicon concepts
(also multi-word ones, on surface forms and nl/en stems), and keep the content stems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

from bot.models import Lang, Lexicon
from bot.text import LANGUAGES, Vocabulary, clean, detect_language, fold, stem

MAX_PHRASE = 4
MIN_STEM = 5
Views = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Analysis:
    """What the matcher needs to know about one message."""

    text: str
    truncated: bool
    lang: Lang
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    concepts: tuple[str, ...]
    anchored: bool = False
    known_share: float = 1.0

    @property
    def features(self) -> tuple[str, ...]:
        """Concept features ("C:PHOTO") followed by content-stem features ("S:les")."""
        return tuple(f"C:{c}" for c in self.concepts) + tuple(f"S:{s}" for s in self.stems)


def _trusted_stem(token: str, lang: str) -> str:
    stemmed = stem(token, lang)
    return stemmed if len(stemmed) >= MIN_STEM or stemmed == token else token


class ConceptTagger:
    """Finds lexicon concepts in a token sequence, on surface forms and stems."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._phrases: dict[tuple[str, ...], set[str]] = {}
        self._surface: set[tuple[str, ...]] = set()
        self._anchors: set[tuple[str, ...]] = set()
        self._phrase_starts: set[str] = set()  # first words of multi-word keys: a fast skip
        self._single_cache: dict[tuple[str, str, str], frozenset[str]] = {}
        for concept in lexicon.concepts:
            for term in (*concept.terms_nl, *concept.terms_en):
                self._add_term(fold(term).split(), concept.id)
                if concept.domain:  # a domain term settles scope even inside a longer phrase
                    self._anchors.update(self._keys(fold(term).split()))
            for term in concept.anchors:
                self._add_term(fold(term).split(), concept.id)
                self._anchors.update(self._keys(fold(term).split()))

    @staticmethod
    def _keys(words: list[str]) -> set[tuple[str, ...]]:
        """A term's lookup keys: its surface form and its nl and en stems."""
        if not words or len(words) > MAX_PHRASE:
            return set()
        if len(words) == 1 and len(words[0]) <= 2:
            return {tuple(words)}  # "x", "ig", "tt": only the exact spelling counts
        return {tuple(words)} | {tuple(_trusted_stem(w, lang) for w in words) for lang in LANGUAGES}

    def _add_term(self, words: list[str], concept_id: str) -> None:
        if not words or len(words) > MAX_PHRASE:
            return
        self._surface.add(tuple(words))
        for key in self._keys(words):
            self._phrases.setdefault(key, set()).add(concept_id)
            if len(key) > 1:
                self._phrase_starts.add(key[0])

    @staticmethod
    def views(tokens: Sequence[str]) -> Views:
        """The token sequence as surface forms, Dutch stems and English stems.

        Stems shorter than MIN_STEM letters are not trusted: "volgende" and "volgen" share
        the Dutch stem "volg", and "weekend" stems to "week". Such tokens only match by their
        surface form.
        """
        return (
            tuple(tokens),
            tuple(_trusted_stem(t, "nl") for t in tokens),
            tuple(_trusted_stem(t, "en") for t in tokens),
        )

    def anchored(self, views: Views) -> bool:
        """True when an anchor or a domain term occurs, wherever it overlaps other terms."""
        length = len(views[0])
        return any(
            view[start : start + size] in self._anchors
            for start in range(length)
            for size in range(1, min(MAX_PHRASE, length - start) + 1)
            for view in views
        )

    @property
    def words(self) -> set[str]:
        """Surface words of the lexicon: one-word terms, and the longer words of phrases."""
        return {w for p in self._surface for w in p if len(p) == 1 or len(w) >= 4}

    def tag(self, views: Views) -> tuple[str, ...]:
        """Concept ids named in the tokens, in order of first appearance, without repeats."""
        found: dict[str, None] = {}
        start = 0
        while start < len(views[0]):
            size, concepts = self._longest_match(views, start)
            found.update(dict.fromkeys(sorted(concepts)))
            start += size
        return tuple(found)

    def _longest_match(self, views: Views, start: int) -> tuple[int, Set[str]]:
        """The longest phrase starting at `start` ("na werktijd" before "werktijd")."""
        longest = min(MAX_PHRASE, len(views[0]) - start)
        if not any(view[start] in self._phrase_starts for view in views):
            longest = 1
        for size in range(longest, 1, -1):
            concepts = self._lookup(views, start, size)
            if concepts:
                return size, concepts
        return 1, self._single(views[0][start], views[1][start], views[2][start])

    def _single(self, surface: str, nl: str, en: str) -> frozenset[str]:
        """Concepts of one token (memoised: the same words recur in every message)."""
        key = (surface, nl, en)
        found = self._single_cache.get(key)
        if found is None:
            if len(surface) <= 2:  # "x", "ig": only the exact spelling
                found = frozenset(self._phrases.get((surface,), ()))
            else:
                found = frozenset().union(*(self._phrases.get((k,), ()) for k in key))
            if len(self._single_cache) < 100_000:
                self._single_cache[key] = found
        return found

    def _lookup(self, views: Views, start: int, size: int) -> set[str]:
        hits: set[str] = set()
        for view in views:
            hits |= self._phrases.get(view[start : start + size], set())
        return hits


class Analyzer:
    """Analyses messages against one lexicon and vocabulary."""

    def __init__(self, lexicon: Lexicon, corpus: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self.tagger = ConceptTagger(lexicon)
        self._aliases = self._alias_table(lexicon)
        stop = {
            lang: frozenset(fold(w) for w in words) for lang, words in lexicon.stopwords.items()
        }
        self.stopwords = frozenset().union(*stop.values()) if stop else frozenset()
        nl, en = stop.get("nl", frozenset()), stop.get("en", frozenset())
        self._markers = {"nl": nl - en, "en": en - nl}
        self.lexicon_words = Vocabulary(self.tagger.words)
        words = set(self.tagger.words) | set(self.stopwords)
        for text in corpus:
            words.update(fold(text).split())
        self.vocabulary = Vocabulary(words)
        self.splitter = Vocabulary(words | lexicon.common_words)
        self.analyze = lru_cache(maxsize=4096)(self._analyze)

    @staticmethod
    def _alias_table(lexicon: Lexicon) -> dict[tuple[str, ...], tuple[str, ...]]:
        table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for mapping in lexicon.aliases.values():
            for source, target in mapping.items():
                key = tuple(fold(source).split())
                if key:
                    table.setdefault(key, tuple(fold(target).split()))
        return table

    def _analyze(self, raw: str, lang: Lang | None = None, *, anchors: bool = True) -> Analysis:
        """Analyse one message; `anchors=False` skips the anchor scan (for indexed phrasings)."""
        cleaned = clean(raw)
        raw_tokens = self._expand_aliases(fold(cleaned.text).split())
        tokens = [fixed for token in raw_tokens for fixed in self._repair(token)]
        detected: Lang = lang or ("en" if detect_language(tokens, self._markers) == "en" else "nl")
        content = [t for t in tokens if t not in self.stopwords and not t.isdigit()]
        stems = tuple(dict.fromkeys(stem(t, detected) for t in content))
        views = self.tagger.views(tokens)
        concepts = self.tagger.tag(views)
        return Analysis(
            text=cleaned.text,
            truncated=cleaned.truncated,
            lang=detected,
            tokens=tuple(tokens),
            stems=stems,
            concepts=concepts,
            anchored=anchors and self.tagger.anchored(views),
            known_share=self._known_share(raw_tokens),
        )

    def _known_share(self, tokens: Sequence[str]) -> float:
        """The share of word tokens that are Dutch, English or protocol words (1.0 if none).

        A message mostly in another language (German, French, Turkish) scores low.
        """
        words = [t for t in tokens if not t.isdigit()]
        if not words:
            return 1.0
        known = sum(1 for t in words if t in self.splitter or len(t) <= 2)
        return known / len(words)

    def _expand_aliases(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in (2, 1):
                target = self._aliases.get(tuple(tokens[i : i + size]))
                if target is not None and i + size <= len(tokens):
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _repair(self, token: str) -> tuple[str, ...]:
        """A lexicon word as is; a compound split into its parts; a typo corrected.

        Known words (the protocol's own, or ordinary Dutch/English) are only split when they
        are compounds of lexicon words ("facebookpost"); unknown words are first corrected
        against the protocol's vocabulary, then split with ordinary words as parts.
        """
        if token in self.lexicon_words or len(token) < 3:
            return (token,)
        if token in self.splitter:
            return self.lexicon_words.split(token) or (token,)
        corrected = self.vocabulary.correct(token)
        if corrected:
            return (corrected,)
        return self.splitter.split(token) or self.splitter.split_partial(token) or (token,)
