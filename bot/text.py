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


# --- Cue phrases: does a question state a condition ("de ouders hebben getekend")? -------------

NEGATIONS = frozenset(
    {
        # Dutch: negations, doubt, and need ("heb ik toestemming nodig?" states nothing)
        "niet",
        "geen",
        "zonder",
        "nooit",
        "niemand",
        "niets",
        "niks",
        "nergens",
        "noch",
        "nodig",
        "vereist",
        "verplicht",
        "moet",
        "moeten",
        "hoeft",
        "hoef",
        "vragen",
        "vraag",
        "aanvragen",
        "twijfel",
        "onzeker",
        "onduidelijk",
        "misschien",
        # English: the same, with contractions as fold() leaves them ("didn't" -> "didnt")
        "not",
        "no",
        "without",
        "never",
        "nobody",
        "nothing",
        "none",
        "neither",
        "nor",
        "dont",
        "doesnt",
        "didnt",
        "havent",
        "hasnt",
        "hadnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "cant",
        "cannot",
        "wont",
        "need",
        "needs",
        "needed",
        "require",
        "required",
        "must",
        "should",
        "ask",
        "asking",
        "unsure",
        "unclear",
        "doubt",
        "maybe",
    }
)
"""Words that, in the same part of a message as a cue, mean it is not stated as a fact.

The part, not a window of words: "heb ik toestemming van de ouders nodig?" asks, and states
nothing. A missed cue costs little (the clause's own answer is always true); a wrongly stated
one would answer a question that was not asked.
"""

DETERMINERS = frozenset(
    {
        "de",
        "het",
        "een",
        "die",
        "dat",
        "deze",
        "dit",
        "mijn",
        "onze",
        "ons",
        "hun",
        "alle",
        "elke",
        "ieder",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "my",
        "our",
        "their",
        "all",
        "every",
        "each",
    }
)
"""Words a cue may name that a message need not repeat, and that may stand between its words:
"signed the form" matches "signed all the forms", "toestemming van de ouders" "van alle ouders"."""
CUE_GAP = 1  # other words allowed between two words of a cue: "directeur [heeft] toestemming"
MAX_GAP = 4  # words of any kind between two words of a cue
_PART_BREAK = re.compile(r"[.,;:!?()\[\]\n]+|\s[-–—]\s")


@dataclass(frozen=True)
class Cue:
    """A cue phrase, folded into words; a word written with a trailing * matches as a prefix."""

    words: tuple[str, ...]
    prefixes: tuple[bool, ...]


@lru_cache(maxsize=4096)
def parse_cue(phrase: str) -> Cue:
    """The words of a cue phrase ("ouders getekend", "onderteken*", "media-literacy"), without
    its DETERMINERS unless it has nothing else."""
    words: list[str] = []
    prefixes: list[bool] = []
    for raw in phrase.split():
        folded = fold(raw).split()
        if folded:
            words += folded
            prefixes += [False] * (len(folded) - 1) + [raw.endswith("*")]
    kept = [i for i, word in enumerate(words) if word not in DETERMINERS or prefixes[i]]
    if kept:
        words, prefixes = [words[i] for i in kept], [prefixes[i] for i in kept]
    return Cue(tuple(words), tuple(prefixes))


def message_parts(text: str) -> list[tuple[str, ...]]:
    """The folded words of each part of a message between punctuation marks: a negation in
    one part ("zonder toestemming?") does not reach into the next ("de ouders tekenden")."""
    parts = (tuple(fold(piece).split()) for piece, _ in message_pieces(text))
    return [part for part in parts if part]


_PIECE_BREAK = re.compile(f"({_PART_BREAK.pattern})")


def message_pieces(text: str) -> list[tuple[str, str]]:
    """The parts of a message as typed, each with the punctuation that ends it."""
    pieces = _PIECE_BREAK.split(text)
    pieces += [""] * (len(pieces) % 2)
    return list(zip(pieces[0::2], pieces[1::2], strict=True))


def states_cue(text: str, cues: Iterable[str]) -> bool:
    """Whether a part of `text` contains one of the cue phrases, and no negation, doubt or need.

    Words match when they are equal, share a Snowball stem (nl or en), differ by one typo
    (five letters or more), or start with a cue word written with a trailing *.
    """
    parts = message_parts(text)
    return any(_part_states(part, parse_cue(cue)) for cue in cues for part in parts)


def _part_states(tokens: tuple[str, ...], cue: Cue) -> bool:
    if not cue.words:
        return False
    if NEGATIONS.isdisjoint(cue.words) and not NEGATIONS.isdisjoint(tokens):
        return False  # the cue's words can hold no negation, so the part's one stands
    for start, token in enumerate(tokens):
        if not _same_word(token, cue.words[0], prefix=cue.prefixes[0]):
            continue
        positions = _cue_positions(tokens, cue, start)
        if positions is not None and not _negated(tokens, positions):
            return True
    return False


def _cue_positions(tokens: tuple[str, ...], cue: Cue, start: int) -> list[int] | None:
    """Where each word of `cue` occurs, from `start` on, in order and close together."""
    positions = [start]
    for word, prefix in zip(cue.words[1:], cue.prefixes[1:], strict=True):
        found = _next_position(tokens, positions[-1] + 1, word, prefix=prefix)
        if found is None:
            return None
        positions.append(found)
    return positions


def _next_position(tokens: tuple[str, ...], after: int, word: str, *, prefix: bool) -> int | None:
    """The first match of `word` from `after` on, past at most CUE_GAP words that are not
    DETERMINERS and MAX_GAP words in all; None if it is not that close."""
    skipped = 0
    for i in range(after, min(len(tokens), after + MAX_GAP + 1)):
        if _same_word(tokens[i], word, prefix=prefix):
            return i
        skipped += tokens[i] not in DETERMINERS
        if skipped > CUE_GAP:
            return None
    return None


def _negated(tokens: tuple[str, ...], positions: list[int]) -> bool:
    """A negation, doubt or need anywhere in the part, other than the cue's own words."""
    return any(token in NEGATIONS for i, token in enumerate(tokens) if i not in positions)


@lru_cache(maxsize=65536)
def _same_word(token: str, word: str, *, prefix: bool) -> bool:
    if prefix:
        return token.startswith(word)
    if token == word or token[:1] != word[:1]:  # stems and single typos keep the first letter
        return token == word
    if any(stem(token, lang) == stem(word, lang) for lang in LANGUAGES):
        return True
    return len(word) >= 5 and Levenshtein.distance(token, word, score_cutoff=1) <= 1
