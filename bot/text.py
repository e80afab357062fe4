"""Text normalisation for Dutch and English chat messages.

Everything here is pure and platform-free: clipping and cleaning raw input, folding case and
accents, tokenising, stemming (Snowball nl/en), splitting Dutch compounds, correcting typos
against a vocabulary, and detecting the language of a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

MAX_CHARS = 2000
"""The longest message that is read; the rest is ignored and the reply says so."""

LANGUAGES = ("nl", "en")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LINKING = ("s", "en", "e")  # Dutch linking morphemes: vriendschap-s-verzoek, klass-en-foto
MAX_COMPOUND = 60  # longer "words" are not split: no real compound is, and splitting is quadratic


@dataclass(frozen=True)
class CleanText:
    """Input after cleaning: control characters gone, clipped to MAX_CHARS."""

    text: str
    truncated: bool


def clean(raw: str, *, limit: int = MAX_CHARS) -> CleanText:
    """Strip control characters, collapse white space and clip to `limit` characters."""
    clipped = raw[: limit * 2] if len(raw) > limit * 2 else raw
    text = " ".join(_CONTROL.sub(" ", clipped).split())
    if len(text) > limit:
        return CleanText(text[:limit], truncated=True)
    return CleanText(text, truncated=len(raw) > limit * 2)


def has_unstorable_text(value: object) -> bool:
    """Whether any string in a parsed JSON `value` holds a NUL character (PostgreSQL text
    refuses it) or half a surrogate pair (not encodable as UTF-8): no platform sends either."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def fold(text: str) -> str:
    """Lower-case, drop accents and apostrophes, and turn punctuation into spaces."""
    lowered = text.casefold()
    if lowered.isascii():
        return _NON_WORD.sub(" ", _APOSTROPHES.sub("", lowered)).strip()
    decomposed = unicodedata.normalize("NFKD", lowered)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", _APOSTROPHES.sub("", bare)).strip()


def tokenize(text: str) -> list[str]:
    """Fold `text` and split it into word tokens."""
    return fold(text).split()


_STEMMERS = {"nl": snowballstemmer.stemmer("dutch"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=65536)
def stem(token: str, lang: str) -> str:
    """The Snowball stem of a folded token in `lang` ("nl" or "en")."""
    return str(_STEMMERS[lang].stemWord(token))


def detect_language(tokens: Sequence[str], markers: dict[str, frozenset[str]]) -> str:
    """Guess "nl" or "en" from which language's marker words occur most; Dutch wins ties."""
    counts = {lang: sum(1 for t in tokens if t in markers.get(lang, ())) for lang in LANGUAGES}
    return "en" if counts["en"] > counts["nl"] else "nl"


class Vocabulary:
    """The words the assistant knows, used to split compounds and correct typos."""

    def __init__(self, words: Iterable[str], *, min_typo_length: int = 4) -> None:
        self.words = frozenset(w for w in words if w)
        self.min_typo_length = min_typo_length
        self._by_length: dict[int, list[str]] | None = None
        self.split = lru_cache(maxsize=65536)(self._split)
        self.split_partial = lru_cache(maxsize=65536)(self._split_partial)
        self.correct = lru_cache(maxsize=65536)(self._correct)

    def _words_of_length(self, length: int) -> list[str]:
        """Words with exactly `length` letters (the index is built on first use)."""
        if self._by_length is None:
            self._by_length = {}
            for word in self.words:
                self._by_length.setdefault(len(word), []).append(word)
        return self._by_length.get(length, [])

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def _is_part(self, part: str) -> bool:
        if len(part) < 3:
            return False
        if part in self.words:
            return True
        return any(part.endswith(s) and part[: -len(s)] in self.words for s in _LINKING)

    def _strip_linking(self, part: str) -> str:
        if part in self.words:
            return part
        for s in _LINKING:
            if part.endswith(s) and part[: -len(s)] in self.words:
                return part[: -len(s)]
        return part

    def _split(self, token: str) -> tuple[str, ...]:
        """Split an unknown compound into known words, or return () if it cannot be."""
        if len(token) < 6 or len(token) > MAX_COMPOUND or token in self.words:
            return ()
        best: tuple[str, ...] = ()
        for cut in range(3, len(token) - 2):
            head, tail = token[:cut], token[cut:]
            if not self._is_part(head):
                continue
            rest = (tail,) if tail in self.words else self.split(tail)
            if rest and (not best or len(rest) + 1 < len(best)):
                best = (self._strip_linking(head), *rest)
        return best

    def _split_partial(self, token: str) -> tuple[str, ...]:
        """Split off the longest known head or tail word (4+ letters) from an unknown word.

        Dutch compounds often pair a known word with one the vocabulary lacks:
        "schoolreisfilmpje" -> ("schoolreis", "filmpje").
        """
        for size in range(len(token) - 3, 3, -1):
            head, tail = token[: len(token) - size], token[len(token) - size :]
            if tail in self.words:
                return (head, tail)
            head, tail = token[:size], token[size:]
            if head in self.words:
                return (head, tail)
        return ()

    def _correct(self, token: str) -> str | None:
        """The closest known word to a misspelt token, or None when nothing is close."""
        if len(token) < self.min_typo_length or token.isdigit():
            return None
        max_edits = 1 if len(token) <= 7 else 2
        candidates = [
            w
            for n in range(len(token) - max_edits, len(token) + max_edits + 1)
            for w in self._words_of_length(n)
        ]
        found = process.extract(
            token, candidates, scorer=Levenshtein.distance, score_cutoff=max_edits, limit=None
        )
        if not found:
            return None
        # Ties on edits go to the word most alike overall: "leeling" is "leerling", not
        # "feeling" (one edit each, but a keystroke left out is likelier than a wrong letter).
        best = min(found, key=lambda f: (f[1], -fuzz.ratio(token, f[0]), f[2]))
        return str(best[0])
