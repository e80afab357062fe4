"""Which protocol clauses a draft social-media post may touch, and why.

The check lists findings, never a verdict: a draft without findings is not approved, and a
finding is something to look at again (or to ask the director about, clause B.3).

What is looked for, and the choices made:
- A.5: photos, video or sound named in the text ("foto's", "klassenfoto", "filmpje"), a camera
  emoji, a link to a photo/video site or file (or with "fotoalbum", "photos", ... in its path),
  an attachment marker ("[afbeelding]"), media attached, and words that imply an image: "kijk
  eens hoe ...", "zie hier", "bekijk", "look at" (not when a newsletter, website, ... follows),
  and faces ("blije gezichten"). "fotograaf" is a person, not a recording, so "de
  schoolfotograaf komt dinsdag" is not flagged.
- A.1 and C.1: pupils named ("leerling Sem", "Sem uit groep 5", "Emma (groep 7)", or a first
  name from knowledge/first_names.txt in a draft about school: "Kijk hoe Sem en Lotte ...") and
  personal data (phone numbers, e-mail addresses, BSN-like numbers that pass the elfproef,
  postcodes, street addresses, IBANs, and words about health, home situation and school
  results). A listed name is not a pupil right after "juf", "mijn dochter", ..., under a
  greeting ("Groetjes, Anouk"), or, for names that are also words ("Roos"), at the start of a
  sentence. Each clause gets its own finding with the same evidence: one finding per clause id
  keeps the list uniform for the doubt check (B.3), which shows the director one clause per
  line. Evidence is masked ("06-…", "j…@…", "leerling S…", "S…"), so a finding can be shown or
  logged without repeating the personal data.
- A.6: a friend or follow phrase within a few words of a pupil word.
- A.7: insulting or threatening words and phrases from knowledge/offensive.yaml, whole words
  only, plus Dutch swear-word compounds ("kutschool").
- B.1 or C.2: the school is discussed (its name from the settings, "de school", ...) but the draft
  does not say the author works there ("ik werk op", "als juf", and also "onze school", "mijn
  school", "bij ons op school", "our school": those say exactly that). B.1 is for work
  situations and C.2 for outside them: the draft's time decides (Draft.during_work, which the
  doubt check fills from the publish time and the school's working hours), else words in the
  text ("tijdens de les"; "in mijn eigen tijd", "vanavond", "dit weekend"). When the time is
  unknown, one finding with clause id B1 names both clauses.
- C.3: the school is discussed without the personal-opinion disclaimer; the finding offers it.
  The school's name matches as whole words only: "Kofschip" inside "kofschipmodel" is not a
  mention. Without its article ("Kofschip" for "Het Kofschip") the name must be capitalised or a
  hashtag, so a school called "De Regenboog" is not found in "een regenboog". Mentions inside
  the opinion sentence of a disclaimer do not count, so adding the disclaimer never causes a
  finding.

Drafts are cleaned and clipped to DRAFT_LIMIT characters; nothing here raises on any string.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from bot.knowledge import (
    KnowledgeError,
    Problem,
    clause_number,
    knowledge_dir,
    parse_model,
    read_yaml,
)
from bot.models import Localized
from bot.text import clean, fold

DRAFT_LIMIT = 5000
"""The longest draft that is read; the rest is ignored."""

OFFENSIVE_FILE = "offensive.yaml"
DRAFTCHECK_FILE = "draftcheck.yaml"
FIRST_NAMES_FILE = "first_names.txt"

CLAUSE_ORDER = ("A1", "A5", "A6", "A7", "B1", "C1", "C2", "C3")
"""The clauses a draft can touch, in the protocol's order; findings follow this order."""

DISCLAIMER = Localized(
    nl=(
        "De standpunten en meningen in dit bericht zijn mijn persoonlijke mening en staan los "
        "van eventuele officiële standpunten van {school}. Ik ben niet verantwoordelijk voor de "
        "inhoud en uitlatingen van derden."
    ),
    en=(
        "The views and opinions in this post are my personal opinion and are separate from any "
        "official positions of {school}. I am not responsible for the content and statements "
        "of third parties."
    ),
)
"""The personal-opinion disclaimer of clause C.3, with a {school} placeholder."""

EMPLOYMENT_NOTE = Localized(nl="Ik werk op {school}.", en="I work at {school}.")
"""A sentence that says the author works at the school (clauses B.1 and C.2)."""

MAX_EVIDENCE = 8
MAX_EVIDENCE_CHARS = 60
_QUOTED_PER_SIGNAL = 3
_SCHOOL_LIMIT = 200
M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Finding:
    """One clause a draft may touch: why, and the words that made the check think so."""

    clause_id: str
    reason: Localized
    evidence: tuple[str, ...]
    suggestion: Localized | None = None


@dataclass(frozen=True)
class Draft:
    """A draft social-media post: its text, an optional link, and whether media is attached.

    `during_work` is when it is posted: True in a work situation (protocol section B), False
    outside work (section C), None when unknown.
    """

    text: str
    link: str | None = None
    media_attached: bool = False
    during_work: bool | None = None


@dataclass(frozen=True)
class Terms:
    """Folded words and phrases indexed by their first word, plus compound heads and tails."""

    index: Mapping[str, tuple[tuple[str, ...], ...]]
    heads: tuple[str, ...] = ()
    tails: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonalKind:
    """A kind of personal information found by words, such as health or home situation."""

    label: Localized
    terms: Terms


_NO_TERMS = Terms(index={})


@dataclass(frozen=True)
class NameRules:
    """Patterns and a list of first names that find a pupil's name, and the words that are not.

    All word sets are folded. `first_names` count in a draft about school; `word_names` are
    also ordinary words and do not count at the start of a sentence.
    """

    patterns: tuple[re.Pattern[str], ...]
    not_names: frozenset[str]
    staff_titles: frozenset[str]
    first_names: frozenset[str] = frozenset()
    word_names: frozenset[str] = frozenset()
    family_words: frozenset[str] = frozenset()
    sign_offs: frozenset[str] = frozenset()
    words: Terms | None = None  # ordinary words of school life and media: "Sportdag", "Foto"


@dataclass(frozen=True)
class DraftRules:
    """Everything the draft check matches against, loaded from the knowledge folder."""

    insults: Terms
    threats: Terms
    media: Terms
    media_emoji: tuple[str, ...]
    media_hosts: tuple[str, ...]
    media_extensions: frozenset[str]
    personal: tuple[PersonalKind, ...]
    names: NameRules
    friend: Terms
    pupils: Terms
    contact_window: int
    school_mentions: tuple[str, ...]
    articles: frozenset[str]
    employment: Terms
    opinion: Terms
    third_party: Terms
    media_implied: Terms = _NO_TERMS
    not_images: frozenset[str] = frozenset()
    faces: Terms = _NO_TERMS
    media_marker: re.Pattern[str] | None = None
    media_path_words: frozenset[str] = frozenset()
    school_words: Terms = _NO_TERMS
    work_words: Terms = _NO_TERMS
    private_words: Terms = _NO_TERMS


def disclaimer(school: str) -> Localized:
    """The C.3 disclaimer in Dutch and English, filled with the school's name."""
    name = _school_label(school)
    return Localized(
        DISCLAIMER.nl.replace("{school}", name.nl), DISCLAIMER.en.replace("{school}", name.en)
    )


def check_draft(
    draft: Draft, *, school: str, rules: DraftRules | None = None
) -> tuple[Finding, ...]:
    """The clauses `draft` may touch, in protocol order, one finding per clause id."""
    context = _context(draft, school, rules or default_draft_rules())
    signals = [signal for detect in _DETECTORS for signal in detect(context)]
    return _findings(signals, context.school)


def format_findings(findings: Sequence[Finding], lang: str) -> str:
    """A plain-text list of `findings` in Dutch ("nl") or English ("en") for a terminal."""
    texts = _FORMAT_EN if lang == "en" else _FORMAT_NL
    if not findings:
        return texts["none"]
    count = texts["one"] if len(findings) == 1 else texts["many"].format(n=len(findings))
    lines = [texts["head"].format(count=count)]
    for number, finding in enumerate(findings, start=1):
        lines.extend(_format_finding(number, finding, lang, texts))
    lines.append(texts["foot"])
    return "\n".join(lines)


def load_draft_rules(directory: Path | None = None) -> DraftRules:
    """Load offensive.yaml, draftcheck.yaml and first_names.txt from `directory` (the bundled
    ones by default).

    Every problem in any file is collected into one KnowledgeError naming file, field (or line)
    and what is wrong.
    """
    folder = directory or knowledge_dir()
    problems: list[Problem] = []
    offensive = _load_part(OffensiveIn, folder / OFFENSIVE_FILE, problems)
    checks = _load_part(DraftCheckIn, folder / DRAFTCHECK_FILE, problems)
    names = _load_names(folder / FIRST_NAMES_FILE, problems)
    if problems or offensive is None or checks is None:
        raise KnowledgeError(problems)
    return _to_rules(offensive, checks, names)


@lru_cache(maxsize=1)
def default_draft_rules() -> DraftRules:
    """The bundled rules, loaded once."""
    return load_draft_rules()


def passes_elfproef(digits: str) -> bool:
    """Whether nine digits pass the BSN "elfproef" (weights 9..2 and -1, sum divisible by 11)."""
    if len(digits) != 9 or not (digits.isascii() and digits.isdigit()) or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


# -------------------------------------------------------------------- YAML schemas (pydantic)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WordsIn(_In):
    """Words and phrases in both languages."""

    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)


class HeadsIn(_In):
    """Compound heads in both languages; either list may be empty."""

    nl: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class SomeWordsIn(HeadsIn):
    """Words and phrases in both languages; either list may be empty."""


class OffensiveWordsIn(WordsIn):
    """Offensive words, plus heads of offensive compounds."""

    compound_heads: HeadsIn = Field(default_factory=HeadsIn)


class OffensiveIn(_In):
    """offensive.yaml."""

    insult: OffensiveWordsIn
    threat: OffensiveWordsIn


class MediaIn(_In):
    """draftcheck.yaml: media."""

    words: WordsIn
    tails: list[str] = Field(default_factory=list)
    emoji: list[str] = Field(default_factory=list)
    link_hosts: list[str] = Field(default_factory=list)
    link_extensions: list[str] = Field(default_factory=list)
    link_path_words: list[str] = Field(default_factory=list)
    implied: SomeWordsIn = Field(default_factory=SomeWordsIn)
    not_images: list[str] = Field(default_factory=list)
    faces: SomeWordsIn = Field(default_factory=SomeWordsIn)
    markers: list[str] = Field(default_factory=list)


class LabelIn(_In):
    """A short label in both languages."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class PersonalIn(WordsIn):
    """draftcheck.yaml: one kind of personal information."""

    label: LabelIn


class PupilNamesIn(_In):
    """draftcheck.yaml: pupil_names."""

    before_name: list[str] = Field(min_length=1)
    links: list[str] = Field(min_length=1)
    class_words: list[str] = Field(min_length=1)
    own_words: list[str] = Field(min_length=1)
    not_names: list[str] = Field(default_factory=list)
    staff_titles: list[str] = Field(default_factory=list)
    family_words: list[str] = Field(default_factory=list)
    sign_offs: list[str] = Field(default_factory=list)
    word_names: list[str] = Field(default_factory=list)
    school_words: SomeWordsIn = Field(default_factory=SomeWordsIn)
    school_heads: list[str] = Field(default_factory=list)


class ContactIn(_In):
    """draftcheck.yaml: contact."""

    window: int = Field(default=12, ge=1, le=50)
    friend: WordsIn
    pupils: WordsIn


class SchoolIn(_In):
    """draftcheck.yaml: school."""

    mentions: WordsIn
    articles: list[str] = Field(default_factory=list)
    employment: WordsIn


class DisclaimerIn(_In):
    """draftcheck.yaml: disclaimer."""

    opinion: WordsIn
    third_party: WordsIn


class SituationIn(_In):
    """draftcheck.yaml: situation (words saying a post is made during or outside work)."""

    work: SomeWordsIn = Field(default_factory=SomeWordsIn)
    private: SomeWordsIn = Field(default_factory=SomeWordsIn)


class DraftCheckIn(_In):
    """draftcheck.yaml."""

    media: MediaIn
    personal: dict[str, PersonalIn] = Field(min_length=1)
    pupil_names: PupilNamesIn
    contact: ContactIn
    school: SchoolIn
    disclaimer: DisclaimerIn
    situation: SituationIn = Field(default_factory=SituationIn)


# ---------------------------------------------------------------------------------- loading

_NOT_FOLDED = ("emoji",)
_ONE_WORD = (
    "tails",
    "compound_heads",
    "school_heads",
    "not_images",
    "link_path_words",
    "markers",
    "family_words",
    "sign_offs",
    "word_names",
)


def _load_part(model: type[M], path: Path, problems: list[Problem]) -> M | None:
    try:
        parsed = parse_model(model, read_yaml(path), str(path))
    except KnowledgeError as exc:
        problems.extend(exc.problems)
        return None
    found = _term_problems(parsed, str(path))
    problems.extend(found)
    return None if found else parsed


def _load_names(path: Path, problems: list[Problem]) -> frozenset[str]:
    """The folded first names of a names file: one a line, "#" starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), "(file)", f"cannot read the file: {exc}"))
        return frozenset()
    names = set()
    for number, line in enumerate(lines, start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        words = fold(entry).split()
        if len(words) != 1:
            problems.append(Problem(str(path), f"line {number}", f"{entry!r} must be one word"))
        else:
            names.add(words[0])
    return frozenset(names)


def _term_problems(model: BaseModel, file: str) -> list[Problem]:
    """Terms that fold to nothing, and compound heads/tails that are more than one word."""
    problems = []
    for path, term in _terms_in(model.model_dump(), ()):
        if any(part in _NOT_FOLDED for part in path):
            if not term.strip():
                problems.append(Problem(file, ".".join(path), "empty entry"))
            continue
        words = fold(term).split()
        if not words:
            problems.append(Problem(file, ".".join(path), f"{term!r} has no letters or digits"))
        elif len(words) > 1 and any(part in _ONE_WORD for part in path):
            problems.append(Problem(file, ".".join(path), f"{term!r} must be one word"))
    return problems


def _terms_in(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string inside a list, with its path ("insult", "nl", "3")."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _terms_in(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield (*path, str(index)), item


def make_terms(
    words: Iterable[str], *, heads: Iterable[str] = (), tails: Iterable[str] = ()
) -> Terms:
    """Fold `words` into phrases indexed by first word, longest phrase first."""
    phrases = {tuple(fold(w).split()) for w in words} - {()}
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        index.setdefault(phrase[0], []).append(phrase)
    return Terms(
        index={first: tuple(found) for first, found in index.items()},
        heads=_folded_words(heads),
        tails=_folded_words(tails),
    )


def _folded_words(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in (fold(word) for word in words) if w))


def _both(words: WordsIn | HeadsIn) -> list[str]:
    return [*words.nl, *words.en]


def _to_rules(
    offensive: OffensiveIn, checks: DraftCheckIn, first_names: frozenset[str] = frozenset()
) -> DraftRules:
    media, names = checks.media, checks.pupil_names
    return DraftRules(
        insults=_offensive_terms(offensive.insult),
        threats=_offensive_terms(offensive.threat),
        media=make_terms(_both(media.words), tails=media.tails),
        media_emoji=tuple(e.strip() for e in media.emoji),
        media_hosts=tuple(h.strip().lower().lstrip(".") for h in media.link_hosts),
        media_extensions=frozenset(e.strip().lower().lstrip(".") for e in media.link_extensions),
        personal=tuple(
            PersonalKind(Localized(p.label.nl, p.label.en), make_terms(_both(p)))
            for p in checks.personal.values()
        ),
        names=_name_rules(names, first_names, _common_words(checks)),
        friend=make_terms(_both(checks.contact.friend)),
        pupils=make_terms(_both(checks.contact.pupils)),
        contact_window=checks.contact.window,
        school_mentions=tuple(_both(checks.school.mentions)),
        articles=frozenset(_folded_words(checks.school.articles)),
        employment=make_terms(_both(checks.school.employment)),
        opinion=make_terms(_both(checks.disclaimer.opinion)),
        third_party=make_terms(_both(checks.disclaimer.third_party)),
        media_implied=make_terms(_both(media.implied)),
        not_images=frozenset(_folded_words(media.not_images)),
        faces=make_terms(_both(media.faces)),
        media_marker=_marker_pattern(media.markers),
        media_path_words=frozenset(_folded_words(media.link_path_words)),
        school_words=make_terms(_both(names.school_words), heads=names.school_heads),
        work_words=make_terms(_both(checks.situation.work)),
        private_words=make_terms(_both(checks.situation.private)),
    )


def _marker_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """An image marker: one of `words` first inside brackets, "[afbeelding]", "(foto 2)"."""
    folded = _folded_words(words)
    if not folded:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(folded, key=len, reverse=True))
    return re.compile(rf"[\[(<{{]\s*(?:{alternation})(?![^\W_])[^\])>}}\n]{{0,30}}[\])>}}]", re.I)


def _offensive_terms(words: OffensiveWordsIn) -> Terms:
    heads = [*words.compound_heads.nl, *words.compound_heads.en]
    return make_terms(_both(words), heads=heads)


# A capitalised given name, optionally double-barrelled ("Anne-Sophie").
_NAME = r"(?P<name>[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+)?)(?![\w])"
_AGE_UNIT = r"(?:jaar|jr|years?|yrs?)"


def _alternation(words: Iterable[str]) -> str:
    """A case-insensitive regex alternation of folded words; spaces match space or hyphen."""
    parts = {r"[\s-]+".join(map(re.escape, fold(w).split())) for w in words} - {""}
    return "(?i:" + "|".join(sorted(parts, key=len, reverse=True)) + ")"


def _common_words(checks: DraftCheckIn) -> Terms:
    """Single words of school life, media and pupils, and their compounds: never a name, so
    "Sportdag van groep 6" and "Klassenfoto van groep 5" name no pupil."""
    media, names = checks.media, checks.pupil_names
    words = [*_both(names.school_words), *_both(media.words), *_both(checks.contact.pupils)]
    return make_terms(
        (w for w in words if len(fold(w).split()) == 1),
        heads=names.school_heads,
        tails=media.tails,
    )


def _name_rules(raw: PupilNamesIn, first_names: frozenset[str], words: Terms) -> NameRules:
    before, links = _alternation(raw.before_name), _alternation(raw.links)
    classes, own = _alternation(raw.class_words), _alternation(raw.own_words)
    class_number = rf"{classes}\.?\s*[0-9]{{1,2}}(?![0-9])"
    patterns = (
        # "leerling Sem", "oud-leerling Daan"
        rf"(?<![\w-]){before}[\s:,]+{_NAME}",
        # "Sem uit groep 5", "Noah from year 4", "Lisa uit mijn klas"
        rf"(?<![\w-]){_NAME}\s+{links}\s+(?:{class_number}|{own}\s+{classes}(?![\w]))",
        # "Emma (groep 7)", "Daan (8 jaar)"
        rf"(?<![\w-]){_NAME}\s*\(\s*(?:{class_number}|[0-9]{{1,2}}\s*(?i:{_AGE_UNIT}))\s*\)",
    )
    return NameRules(
        patterns=tuple(re.compile(p) for p in patterns),
        not_names=frozenset(_folded_words(raw.not_names)),
        staff_titles=frozenset(_folded_words(raw.staff_titles)),
        first_names=first_names,
        word_names=frozenset(_folded_words(raw.word_names)),
        family_words=frozenset(_folded_words(raw.family_words)),
        sign_offs=frozenset(_folded_words(raw.sign_offs)),
        words=words,
    )


# ------------------------------------------------------------------------- text and matching

_WORD = re.compile(r"[^\W_]+(?:['’‘`´][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_URL = re.compile(r"https?://[^\s<>\"]{1,500}")


Hit = tuple[int, int]
"""A match as token positions: first, and one past the last."""


@dataclass(frozen=True)
class _Token:
    word: str
    start: int
    end: int
    sentence: int


@dataclass(frozen=True)
class _Text:
    raw: str
    tokens: tuple[_Token, ...]
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Signal:
    clauses: tuple[str, ...]
    label: Localized
    evidence: tuple[str, ...] = ()
    template: str | None = None  # a key of _REASONS other than the clause id


@dataclass(frozen=True)
class _Context:
    draft: Draft
    text: _Text
    rules: DraftRules
    school: str
    school_hits: tuple[Hit, ...]  # the school named, before disclaimer sentences are left out
    about_school: bool  # the school, a class, pupils or school life are mentioned
    during_work: bool | None  # when it is posted: in a work situation, outside, unknown
    situation: _Signal | None  # what `during_work` is based on, without clause ids


def _analyse(raw: str) -> _Text:
    """Split cleaned text into folded word tokens that remember where they came from."""
    ends = [m.end() for m in _SENTENCE_END.finditer(raw)]
    tokens: list[_Token] = []
    for match in _WORD.finditer(raw):
        sentence = bisect_right(ends, match.start())
        tokens.extend(
            _Token(word, match.start(), match.end(), sentence)
            for word in fold(match.group()).split()
        )
    return _Text(raw, tuple(tokens), tuple(t.word for t in tokens))


def _context(draft: Draft, school: str, rules: DraftRules) -> _Context:
    raw = unicodedata.normalize("NFC", clean(draft.text, limit=DRAFT_LIMIT).text)
    link = clean(draft.link, limit=2000).text if draft.link else None
    during = draft.during_work if isinstance(draft.during_work, bool) else None
    cleaned = Draft(raw, link, bool(draft.media_attached), during)
    school_name = clean(school, limit=_SCHOOL_LIMIT).text
    text = _analyse(raw)
    school_hits = _school_hits(text, rules, school_name)
    about = bool(school_hits) or _about_school(text, rules)
    during, situation = _situation(cleaned, text, rules)
    return _Context(cleaned, text, rules, school_name, school_hits, about, during, situation)


_CLASS = re.compile(r"(?<![\w])(?i:groep|gr|klas|group|year|grade|class)\.?\s?[1-8](?![\w])")


def _about_school(text: _Text, rules: DraftRules) -> bool:
    """A class ("groep 6"), pupils, or a word of school life ("sportdag", "juf") is mentioned."""
    return bool(
        _CLASS.search(text.raw)
        or find_terms(rules.school_words, text.words)
        or find_terms(rules.pupils, text.words)
    )


_WORK_TIME = Localized("gepland tijdens werktijd", "planned during working hours")
_PRIVATE_TIME = Localized("gepland buiten werktijd", "planned outside working hours")
_WORK_WORDS = Localized("tijdens het werk volgens de tekst", "during work according to the text")
_PRIVATE_WORDS = Localized("buiten het werk volgens de tekst", "outside work according to the text")


def _situation(draft: Draft, text: _Text, rules: DraftRules) -> tuple[bool | None, _Signal | None]:
    """Whether the draft is posted during work, and why: the given time wins over the words."""
    if draft.during_work is not None:
        return draft.during_work, _Signal((), _WORK_TIME if draft.during_work else _PRIVATE_TIME)
    work = _term_evidence(text, rules.work_words)
    private = _term_evidence(text, rules.private_words)
    if work and not private:
        return True, _Signal((), _WORK_WORDS, work)
    if private and not work:
        return False, _Signal((), _PRIVATE_WORDS, private)
    return None, None


def find_terms(terms: Terms, words: Sequence[str]) -> list[Hit]:
    """Whole-word matches of `terms` in `words`, left to right, longest first, not overlapping."""
    hits, position = [], 0
    while position < len(words):
        size = _phrase_at(terms, words, position)
        if size:
            hits.append((position, position + size))
        position += max(size, 1)
    return hits


def _phrase_at(terms: Terms, words: Sequence[str], position: int) -> int:
    word = words[position]
    for phrase in terms.index.get(word, ()):
        if tuple(words[position : position + len(phrase)]) == phrase:
            return len(phrase)
    return 1 if _is_compound(word, terms) else 0


def _is_compound(word: str, terms: Terms) -> bool:
    """A longer word that starts with a compound head or ends with a compound tail."""
    heads = any(word.startswith(h) and len(word) >= len(h) + 3 for h in terms.heads)
    return heads or any(word.endswith(t) and len(word) >= len(t) + 3 for t in terms.tails)


def _evidence(text: _Text, hit: Hit) -> str:
    """The original words of a hit, without surrounding punctuation, clipped."""
    first, last = text.tokens[hit[0]], text.tokens[hit[1] - 1]
    return _clip(text.raw[first.start : last.end])


def _clip(value: str) -> str:
    value = _balanced(value.strip(" .,;:!?\"'[]{}"))
    if len(value) > MAX_EVIDENCE_CHARS:
        return value[: MAX_EVIDENCE_CHARS - 1] + "…"
    return value


def _balanced(value: str) -> str:
    """Drop a leading "(" or trailing ")" that has no partner: "(foto" -> "foto"."""
    if value.startswith("(") and ")" not in value:
        value = value[1:]
    if value.endswith(")") and "(" not in value:
        value = value[:-1]
    return value


def _term_evidence(text: _Text, terms: Terms) -> tuple[str, ...]:
    return tuple(_evidence(text, hit) for hit in find_terms(terms, text.words))


# ----------------------------------------------------------------------------- A.5: media

_MEDIA_WORDS = Localized("in de tekst", "in the text")
_MEDIA_EMOJI = Localized("emoji", "emoji")
_MEDIA_ATTACHED = Localized("media bijgevoegd", "media attached")
_MEDIA_LINK = Localized("link naar beeld of geluid", "link to images or sound")
_MEDIA_IMPLIED = Localized("verwijst naar beeld", "points at an image")
_MEDIA_FACES = Localized("beschrijft gezichten", "describes faces")
_MEDIA_MARKER = Localized("bijlage", "attachment")
_LOOK_AHEAD = 4
"""How many words after "bekijk", "look at", ... may name what is looked at ("de nieuwsbrief")."""


def _media_signals(context: _Context) -> list[_Signal]:
    rules, text = context.rules, context.text
    markers = rules.media_marker.finditer(text.raw) if rules.media_marker else ()
    found = [
        (_MEDIA_WORDS, _term_evidence(text, rules.media)),
        (_MEDIA_EMOJI, tuple(e for e in rules.media_emoji if e in text.raw)),
        (_MEDIA_LINK, _media_links(context)),
        (_MEDIA_MARKER, tuple(dict.fromkeys(_clip(m.group()) for m in markers))),
        (_MEDIA_IMPLIED, _implied_images(text, rules)),
        (_MEDIA_FACES, _term_evidence(text, rules.faces)),
    ]
    signals = [_Signal(("A5",), label, evidence) for label, evidence in found if evidence]
    if context.draft.media_attached:
        signals.append(_Signal(("A5",), _MEDIA_ATTACHED, ("[media]",)))
    return signals


def _media_links(context: _Context) -> tuple[str, ...]:
    links = [m.group() for m in _URL.finditer(context.text.raw)]
    if context.draft.link:
        links.append(context.draft.link)
    found = (_media_link(link, context.rules) for link in links)
    return tuple(dict.fromkeys(f for f in found if f))


def _implied_images(text: _Text, rules: DraftRules) -> tuple[str, ...]:
    """ "Kijk eens", "zie hier", "look at", unless what follows is a newsletter, website, ..."""
    shown = []
    for hit in find_terms(rules.media_implied, text.words):
        following = text.words[hit[1] : hit[1] + _LOOK_AHEAD]
        if not any(word in rules.not_images for word in following):
            shown.append(_evidence(text, hit))
    return tuple(dict.fromkeys(shown))


def _media_link(link: str, rules: DraftRules) -> str | None:
    """The host or file extension that makes `link` a link to media, or None."""
    try:
        parts = urlsplit(link if "://" in link else "https://" + link)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if any(host == h or host.endswith("." + h) for h in rules.media_hosts):
        return _clip(host)
    extension = parts.path.rsplit(".", 1)[-1].lower() if "." in parts.path else ""
    if extension in rules.media_extensions:
        return f".{extension}"
    segments = (fold(part) for part in _PATH_SPLIT.split(parts.path))
    word = next((w for w in segments if w in rules.media_path_words), None)
    return _clip(f"{host}/…{word}…") if word else None


_PATH_SPLIT = re.compile(r"[/._~+-]+")


# ------------------------------------------------------------------ A.1 and C.1: personal data

_PERSONAL = ("A1", "C1")
_DIGITS_ONLY = re.compile(r"[^0-9]")
_DATE = re.compile(r"[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{2,4}")


def _always(_: str) -> bool:
    return True


@dataclass(frozen=True)
class _Pattern:
    label: Localized
    regex: re.Pattern[str]
    mask: Callable[[str], str]
    accept: Callable[[str], bool] = _always


def _national_number(found: str) -> str:
    """A Dutch phone number as national digits: "+31 (0)6 1234 5678" -> "0612345678"."""
    digits = _DIGITS_ONLY.sub("", found.replace("(0)", ""))
    if found.startswith("+"):
        return "0" + digits[2:]
    return "0" + digits[4:] if digits.startswith("0031") else digits


def _is_personal_phone(found: str) -> bool:
    """Not a date, and not a service number (0800, 090x) such as the vertrouwensinspecteur's."""
    national = _national_number(found)
    return not _DATE.search(found) and not national.startswith(("0800", "090"))


def _mask_phone(found: str) -> str:
    national = _national_number(found)
    if found.startswith(("+", "0031")):
        return f"+31 {national[1:2]}…"
    return f"{national[:2]}-…"


def _mask_email(found: str) -> str:
    return f"{found[:1]}…@…"


def _mask_start(found: str) -> str:
    return f"{found[:2]}…"


def _is_bsn(found: str) -> bool:
    return passes_elfproef(_DIGITS_ONLY.sub("", found))


_PATTERNS = (
    # IBAN first: its digits must not be read as a phone number as well.
    _Pattern(
        Localized("IBAN", "IBAN"),
        re.compile(r"(?<![\w])[A-Z]{2}[0-9]{2} ?[A-Z]{4}(?: ?[0-9]){10}(?![\w])"),
        _mask_start,
    ),
    _Pattern(
        Localized("telefoonnummer", "phone number"),
        re.compile(
            r"(?<![\w+])(?:\+31|0031|0)[ .-]?(?:\(0\)[ .-]?)?[1-9](?:[ .-]?[0-9]){8}(?![0-9])"
        ),
        _mask_phone,
        _is_personal_phone,
    ),
    _Pattern(
        Localized("e-mailadres", "email address"),
        re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"),
        _mask_email,
    ),
    _Pattern(
        Localized("BSN-achtig nummer", "BSN-like number"),
        re.compile(
            r"(?<![\w+.-])(?:[0-9]{9}|[0-9]{4}\.[0-9]{2}\.[0-9]{3}"
            r"|[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{3})(?![\w]|[.-][0-9])"
        ),
        _mask_start,
        _is_bsn,
    ),
    _Pattern(
        Localized("postcode", "postcode"),
        re.compile(r"(?<![\w-])[1-9][0-9]{3} ?(?!SA|SD|SS)[A-Z]{2}(?![\w])"),
        _mask_start,
    ),
    _Pattern(
        Localized("adres", "address"),
        re.compile(
            r"(?<![\w-])(?:[A-Z][a-zà-ÿ]+(?:straat|laan|weg|plein|gracht|kade|dijk|singel|steeg|"
            r"dreef|hof|pad|markt)\s[1-9][0-9]{0,3}[a-zA-Z]?|[1-9][0-9]{0,3}\s[A-Z][a-z]+\s"
            r"(?:Street|Road|Lane|Avenue|Drive|Close|Crescent|Way))(?![\w])"
        ),
        _mask_start,
    ),
)

_PUPIL_NAME = Localized("naam van een leerling", "a pupil's name")


def _personal_signals(context: _Context) -> list[_Signal]:
    text, rules = context.text, context.rules
    taken: list[tuple[int, int]] = []
    found = [(p.label, _pattern_evidence(p, text.raw, taken)) for p in _PATTERNS]
    spans: list[tuple[int, int]] = []
    names = _pupil_names(text.raw, rules.names, spans)
    if context.about_school:
        names += _listed_names(context, spans)
    found.append((_PUPIL_NAME, names))
    found += [(kind.label, _term_evidence(text, kind.terms)) for kind in rules.personal]
    return [_Signal(_PERSONAL, label, evidence) for label, evidence in found if evidence]


def _pattern_evidence(pattern: _Pattern, raw: str, taken: list[tuple[int, int]]) -> tuple[str, ...]:
    """Masked matches of `pattern` that overlap no earlier match; adds them to `taken`."""
    shown = []
    for match in pattern.regex.finditer(raw):
        if pattern.accept(match.group()) and not any(_overlaps(match.span(), t) for t in taken):
            taken.append(match.span())
            shown.append(pattern.mask(match.group()))
    return tuple(shown)


def _pupil_names(raw: str, rules: NameRules, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """Masked mentions of pupils' names: "leerling S…", "S… uit groep 5"; adds the names'
    character spans to `spans`."""
    found = []
    for pattern in rules.patterns:
        for match in pattern.finditer(raw):
            if _is_pupil_name(match, raw, rules):
                spans.append(match.span("name"))
                found.append(_mask_name(match))
    return tuple(found)


def _is_pupil_name(match: re.Match[str], raw: str, rules: NameRules) -> bool:
    """Not a common capitalised word, not a member of staff ("juf Anna van groep 5") and not
    family ("mijn dochter Emma (8 jaar)")."""
    name = fold(match.group("name"))
    if name in rules.not_names or (rules.words and _phrase_at(rules.words, [name], 0)):
        return False
    before = fold(raw[max(0, match.start("name") - 40) : match.start("name")]).split()
    return not (before and before[-1] in rules.staff_titles | rules.family_words)


_SIGN_OFF_REACH = 3
"""A name at most this many words after "groetjes", "liefs", ... signs the post."""


def _listed_names(context: _Context, spans: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """First names from the names list, capitalised, that name a pupil: masked as "S…"."""
    text, rules = context.text, context.rules.names
    school_words = set(fold(context.school).split())
    found = []
    for position, token in enumerate(text.tokens):
        name = _listed_name(text, token, rules)
        if (
            name
            and name not in school_words
            and not any(start <= token.start < end for start, end in spans)
            and not _someone_else(text, position, name, rules)
        ):
            found.append(f"{text.raw[token.start]}…")
    return tuple(found)


def _listed_name(text: _Text, token: _Token, rules: NameRules) -> str | None:
    """The folded name a capitalised token stands for ("Sem", "Sem's" -> "sem"), or None."""
    if not text.raw[token.start : token.start + 1].isupper() or token.word in rules.not_names:
        return None
    if token.word in rules.first_names:
        return token.word
    possessive = token.word[:-1] if token.word.endswith("s") else ""
    has_apostrophe = any(mark in text.raw[token.start : token.end] for mark in "'’‘`´")
    return possessive if has_apostrophe and possessive in rules.first_names else None


def _someone_else(text: _Text, position: int, name: str, rules: NameRules) -> bool:
    """A member of staff or family ("juf Anouk", "mijn dochter Emma"), the author under a
    greeting ("Groetjes, Anouk"), or a name that is also a word opening a sentence ("Roos")."""
    before = text.words[max(0, position - _SIGN_OFF_REACH) : position]
    if before and before[-1] in rules.staff_titles | rules.family_words:
        return True
    signs_off = position >= len(text.tokens) - _SIGN_OFF_REACH
    if signs_off and any(word in rules.sign_offs for word in before):
        return True
    opens_sentence = position == 0 or (
        text.tokens[position - 1].sentence != text.tokens[position].sentence
    )
    return name in rules.word_names and opens_sentence


def _mask_name(match: re.Match[str]) -> str:
    start, end = match.start("name") - match.start(), match.end("name") - match.start()
    whole = match.group()
    return _clip(f"{whole[:start]}{whole[start]}…{whole[end:]}")


# --------------------------------------------------------------------- A.6 and A.7: contact, tone

_CONTACT = Localized("vriendschap of volgen", "friending or following")
_INSULT = Localized("beledigend", "insulting")
_THREAT = Localized("dreigend", "threatening")


def _contact_signals(context: _Context) -> list[_Signal]:
    text, rules = context.text, context.rules
    friends = find_terms(rules.friend, text.words)
    pupils = find_terms(rules.pupils, text.words)
    near = [
        (friend, pupil)
        for friend in friends
        for pupil in pupils
        if _distance(friend, pupil) <= rules.contact_window
    ]
    evidence = [_evidence(text, hit) for pair in near for hit in pair]
    return [_Signal(("A6",), _CONTACT, tuple(dict.fromkeys(evidence)))] if near else []


def _distance(a: Hit, b: Hit) -> int:
    return max(b[0] - a[1], a[0] - b[1], 0)


def _offensive_signals(context: _Context) -> list[_Signal]:
    found = [
        (_INSULT, _term_evidence(context.text, context.rules.insults)),
        (_THREAT, _term_evidence(context.text, context.rules.threats)),
    ]
    return [_Signal(("A7",), label, evidence) for label, evidence in found if evidence]


# -------------------------------------------------------------- B.1, C.2 and C.3: the school

_MENTIONED = Localized("genoemd als", "named as")
_NO_DISCLAIMER = Localized(
    "de verklaring over je persoonlijke mening ontbreekt",
    "the personal-opinion disclaimer is missing",
)
_NO_THIRD_PARTY = Localized(
    "het deel over uitlatingen van derden ontbreekt",
    "the part about statements of third parties is missing",
)
_NO_OPINION = Localized(
    "het deel over je persoonlijke mening ontbreekt",
    "the part about your personal opinion is missing",
)


@dataclass(frozen=True)
class _SchoolNames:
    anywhere: Terms  # the full name, its joined form ("hetkofschip"), "onze school", ...
    capitalised: Terms  # the name without its article; only counts capitalised or as hashtag


@lru_cache(maxsize=64)
def _school_names(school: str, mentions: tuple[str, ...], articles: frozenset[str]) -> _SchoolNames:
    words = fold(school).split()
    core = words[1:] if len(words) > 1 and words[0] in articles else []
    full = [" ".join(words), "".join(words)] if words else []
    return _SchoolNames(make_terms([*mentions, *full]), make_terms([" ".join(core)]))


def _school_signals(context: _Context) -> list[_Signal]:
    text, rules = context.text, context.rules
    opinion = find_terms(rules.opinion, text.words)
    third_party = find_terms(rules.third_party, text.words)
    # The school named inside the opinion statement ("... standpunten van Het Kofschip") is
    # part of the disclaimer, not a post about the school.
    disclaimer_sentences = {text.tokens[hit[0]].sentence for hit in opinion}
    mentions = _school_evidence(context, disclaimer_sentences)
    if not mentions:
        return []
    signals = _disclaimer_gap(mentions, bool(opinion), bool(third_party))
    if not find_terms(rules.employment, text.words):
        signals += _staff_note_signals(context, mentions)
    return signals


def _staff_note_signals(context: _Context, mentions: tuple[str, ...]) -> list[_Signal]:
    """B.1 during work, C.2 outside work, and one B.1 finding naming both when unknown."""
    if context.during_work is None or context.situation is None:
        return [_Signal(("B1",), _MENTIONED, mentions, template=_B1_OR_C2)]
    clause = ("B1",) if context.during_work else ("C2",)
    basis = context.situation
    return [_Signal(clause, _MENTIONED, mentions), _Signal(clause, basis.label, basis.evidence)]


def _disclaimer_gap(mentions: tuple[str, ...], opinion: bool, third_party: bool) -> list[_Signal]:
    """Nothing when the disclaimer is complete; otherwise C.3 signals naming what is missing."""
    if opinion and third_party:
        return []
    label = _NO_THIRD_PARTY if opinion else _NO_OPINION if third_party else _NO_DISCLAIMER
    return [_Signal(("C3",), _MENTIONED, mentions), _Signal(("C3",), label)]


def _school_hits(text: _Text, rules: DraftRules, school: str) -> tuple[Hit, ...]:
    """Where the school is named: its name, "onze school", "#kofschip", ..."""
    names = _school_names(school, rules.school_mentions, rules.articles)
    hits = find_terms(names.anywhere, text.words)
    hits += [
        hit
        for hit in find_terms(names.capitalised, text.words)
        if _looks_like_name(text, hit) and not any(_overlaps(hit, h) for h in hits)
    ]
    return tuple(sorted(hits))


def _school_evidence(context: _Context, skip_sentences: set[int]) -> tuple[str, ...]:
    """The words naming the school, outside disclaimer sentences."""
    text = context.text
    kept = [h for h in context.school_hits if text.tokens[h[0]].sentence not in skip_sentences]
    return tuple(dict.fromkeys(_evidence(text, hit) for hit in kept))


def _looks_like_name(text: _Text, hit: Hit) -> bool:
    """Capitalised ("Kofschip") or a hashtag ("#kofschip")."""
    start = text.tokens[hit[0]].start
    return text.raw[start : start + 1].isupper() or text.raw[start - 1 : start] == "#"


def _overlaps(a: Hit, b: Hit) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _school_label(school: str) -> Localized:
    name = clean(school, limit=_SCHOOL_LIMIT).text
    return Localized(name, name) if name else Localized("mijn school", "my school")


# ------------------------------------------------------------------------------- findings

_B1_OR_C2 = "B1/C2"
"""The reason of the one B.1 finding that stands for B.1 and C.2 when the time is unknown."""

_DETECTORS: tuple[Callable[[_Context], list[_Signal]], ...] = (
    _media_signals,
    _personal_signals,
    _contact_signals,
    _offensive_signals,
    _school_signals,
)

_REASONS: dict[str, Localized] = {
    "A1": Localized(
        "Mogelijk persoonlijke of vertrouwelijke informatie ({found}). Kennis delen mag, maar "
        "geen persoonlijke informatie en niets wat betrokkenen schaadt.",
        "Possibly personal or confidential information ({found}). Sharing knowledge is fine, "
        "but not personal information or anything that harms those involved.",
    ),
    "A5": Localized(
        "Beeld of geluid ({found}): foto-, film- en geluidsopnamen van schoolsituaties alleen "
        "met uitdrukkelijke toestemming van de betrokkenen.",
        "Images or sound ({found}): photo, film and sound recordings of school situations only "
        "with the explicit consent of those involved.",
    ),
    "A6": Localized(
        "Contact met leerlingen via sociale media ({found}): medewerkers worden geen "
        "'vrienden' met leerlingen.",
        "Social-media contact with pupils ({found}): staff do not become 'friends' with pupils.",
    ),
    "A7": Localized(
        "Mogelijk kwetsende of dreigende taal ({found}): neem de fatsoensnormen in acht.",
        "Possibly hurtful or threatening language ({found}): keep to the standards of decency.",
    ),
    "B1": Localized(
        "Het bericht gaat over {school} ({found}) maar zegt niet dat je er werkt. Vermeld in een "
        "discussie over de school dat je er medewerker bent (tijdens werksituaties).",
        "The post is about {school} ({found}) but does not say you work there. In a discussion "
        "about the school, say that you are a member of staff (in work situations).",
    ),
    _B1_OR_C2: Localized(
        "Het bericht gaat over {school} ({found}) maar zegt niet dat je er werkt. Vermeld dat je "
        "medewerker bent van {school}: in werksituaties (B.1) en ook daarbuiten (C.2).",
        "The post is about {school} ({found}) but does not say you work there. Say that you are "
        "a member of staff of {school}: in work situations (B.1) and outside them too (C.2).",
    ),
    "C1": Localized(
        "Ook buiten werktijd geen persoonsgebonden informatie over leerlingen, ouders, "
        "collega's of de school publiceren ({found}).",
        "Outside work too, do not publish personal information about pupils, parents, "
        "colleagues or the school ({found}).",
    ),
    "C2": Localized(
        "Het bericht gaat over {school} ({found}) maar zegt niet dat je er werkt. Vermeld ook "
        "buiten werksituaties dat je medewerker bent van {school}.",
        "The post is about {school} ({found}) but does not say you work there. Outside work "
        "situations too, say that you are a member of staff of {school}.",
    ),
    "C3": Localized(
        "Je publiceert over {school} ({found}). Voeg de verklaring toe dat dit je persoonlijke "
        "mening is en dat je niet verantwoordelijk bent voor uitlatingen van derden.",
        "You are publishing about {school} ({found}). Add the statement that this is your "
        "personal opinion and that you are not responsible for statements of third parties.",
    ),
}


def _findings(signals: Sequence[_Signal], school: str) -> tuple[Finding, ...]:
    findings = []
    for clause_id in CLAUSE_ORDER:
        found = [s for s in signals if clause_id in s.clauses]
        if found:
            findings.append(_finding(clause_id, found, school))
    return tuple(findings)


def _finding(clause_id: str, signals: Sequence[_Signal], school: str) -> Finding:
    evidence = tuple(dict.fromkeys(e for s in signals for e in s.evidence))[:MAX_EVIDENCE]
    return Finding(
        clause_id=clause_id,
        reason=_reason(clause_id, signals, school),
        evidence=evidence,
        suggestion=_suggestion(clause_id, school),
    )


def _reason(clause_id: str, signals: Sequence[_Signal], school: str) -> Localized:
    key = next((s.template for s in signals if s.template), clause_id)
    template, name = _REASONS[key], _school_label(school)
    return Localized(
        template.nl.format(found=_summary(signals, "nl"), school=name.nl),
        template.en.format(found=_summary(signals, "en"), school=name.en),
    )


def _summary(signals: Sequence[_Signal], lang: str) -> str:
    """'label: "a", "b"; label' with at most a few quoted words per signal."""
    parts = []
    for signal in signals:
        quoted = ", ".join(f'"{e}"' for e in signal.evidence[:_QUOTED_PER_SIGNAL])
        more = ", …" if len(signal.evidence) > _QUOTED_PER_SIGNAL else ""
        label = signal.label.get(lang)
        parts.append(f"{label}: {quoted}{more}" if quoted else label)
    return "; ".join(dict.fromkeys(parts))


def _suggestion(clause_id: str, school: str) -> Localized | None:
    if clause_id == "C3":
        return disclaimer(school)
    if clause_id in ("B1", "C2"):
        name = _school_label(school)
        return Localized(
            EMPLOYMENT_NOTE.nl.replace("{school}", name.nl),
            EMPLOYMENT_NOTE.en.replace("{school}", name.en),
        )
    return None


# ------------------------------------------------------------------------------ formatting

_FORMAT_NL = {
    "none": (
        "Geen enkel artikel van het protocol gemarkeerd. Dit is geen goedkeuring: de controle "
        "ziet niet alles. Twijfel je, overleg dan vóór publicatie met je directeur (B.3)."
    ),
    "one": "1 artikel",
    "many": "{n} artikelen",
    "head": (
        "Dit concept raakt mogelijk aan {count} van het protocol (aandachtspunten, geen oordeel):"
    ),
    "found": "Gevonden",
    "add": "Tekst om toe te voegen",
    "foot": (
        "Dit is geen goedkeuring. Twijfel je, overleg dan vóór publicatie met je directeur (B.3)."
    ),
}
_FORMAT_EN = {
    "none": (
        "No clause of the protocol was flagged. This is not an approval: the check does not see "
        "everything. If in doubt, talk to your director before publishing (B.3)."
    ),
    "one": "1 clause",
    "many": "{n} clauses",
    "head": "This draft may touch {count} of the protocol (points to check, not a verdict):",
    "found": "Found",
    "add": "Text to add",
    "foot": "This is not an approval. If in doubt, talk to your director before publishing (B.3).",
}


def _format_finding(number: int, finding: Finding, lang: str, texts: dict[str, str]) -> list[str]:
    lines = [f"{number}. {clause_number(finding.clause_id)}: {finding.reason.get(lang)}"]
    if finding.evidence:
        lines.append(f"   {texts['found']}: " + ", ".join(f'"{e}"' for e in finding.evidence))
    if finding.suggestion is not None:
        lines.append(f'   {texts["add"]}: "{finding.suggestion.get(lang)}"')
    return lines
