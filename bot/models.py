"""Typed, frozen value objects shared by the core and the adapters.

Nothing here knows about Slack or Teams: adapters translate their platform events into
`IncomingMessage` (and button presses) and render `Reply` objects back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["nl", "en"]
ClauseAction = Literal["doubt_check", "escalate"]
ReplyKind = Literal["answer", "did_you_mean", "out_of_scope", "help", "empty", "notice"]


@dataclass(frozen=True)
class Localized:
    """A text in Dutch and English."""

    nl: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang`, falling back to Dutch."""
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True)
class AnswerVariant:
    """An answer for questions that already state a clause's condition ("the parents signed").

    `cues_nl`/`cues_en` are phrases that state the condition; a question that contains one
    (not negated or doubted) gets this `answer` instead of the clause's own.
    """

    cues_nl: tuple[str, ...]
    cues_en: tuple[str, ...]
    answer: Localized

    @property
    def cues(self) -> tuple[str, ...]:
        """The cue phrases of both languages: staff mix them, and cues are checked in both."""
        return self.cues_nl + self.cues_en


@dataclass(frozen=True)
class Clause:
    """One numbered clause of the protocol, with everything needed to answer about it."""

    id: str
    number: str
    section_id: str
    section: Localized
    title: Localized
    text: str
    text_en: str
    answer: Localized
    questions_nl: tuple[str, ...]
    questions_en: tuple[str, ...]
    concepts: tuple[str, ...]
    related: tuple[str, ...] = ()
    action: ClauseAction | None = None
    threshold: float | None = None
    variants: tuple[AnswerVariant, ...] = ()

    def text_in(self, lang: str) -> str:
        """The clause text in `lang`: Dutch verbatim, or the English translation."""
        return self.text_en if lang == "en" else self.text

    @property
    def questions(self) -> tuple[str, ...]:
        """All alternate phrasings, Dutch first."""
        return self.questions_nl + self.questions_en


@dataclass(frozen=True)
class Concept:
    """A lexicon concept: words that mean the same thing for the protocol."""

    id: str
    terms_nl: tuple[str, ...]
    terms_en: tuple[str, ...]
    domain: bool = False
    weight: float = 1.0
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """Concepts, chat aliases and stop words, per language.

    A question is about the protocol when it names a `domain` concept, one of a concept's
    `anchors` (terms that settle it on their own), or all concepts of a `domain_combinations`
    entry (e.g. PHOTO with CONSENT).
    """

    concepts: tuple[Concept, ...]
    aliases: dict[str, dict[str, str]]
    stopwords: dict[str, frozenset[str]]
    domain_combinations: tuple[frozenset[str], ...] = ()
    common_words: frozenset[str] = frozenset()
    contrasts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OutOfScope:
    """Questions staff ask that the protocol does not answer: the matcher's negative examples."""

    nl: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    """The protocol and lexicon, validated and with placeholders filled."""

    title: Localized
    clauses: tuple[Clause, ...]
    lexicon: Lexicon
    school: str
    foundation: str
    out_of_scope: OutOfScope = field(default_factory=OutOfScope)

    def clause(self, clause_id: str) -> Clause:
        """The clause with `clause_id`; KeyError if there is none."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)


@dataclass(frozen=True)
class Match:
    """One ranked candidate clause for a question, with the evidence for it."""

    clause_id: str
    score: float
    confidence: float
    phrasing: str
    concepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchResult:
    """The outcome of matching one question: ranked matches and the decision taken."""

    question: str
    lang: Lang
    matches: tuple[Match, ...]
    abstained: bool
    reason: str
    truncated: bool = False
    ambiguous: bool = False
    concepts: tuple[str, ...] = ()

    @property
    def best(self) -> Match | None:
        """The top match, or None when nothing matched at all."""
        return self.matches[0] if self.matches else None


@dataclass(frozen=True)
class UserRef:
    """A person on a platform, as the adapter identified them."""

    platform: str
    user_id: str
    display_name: str = ""
    email: str | None = None


@dataclass(frozen=True)
class IncomingMessage:
    """A chat message addressed to the assistant."""

    text: str
    user: UserRef
    lang: Lang | None = None
    conversation: str = ""
    """Where the message was said, as the platform names it ("slack:D123:1700000000.1",
    "teams:<conversation id>", "console:<session>"): the key of a conversation's context."""


@dataclass(frozen=True)
class Button:
    """A choice offered with a reply; channels without buttons render it as a numbered option."""

    label: str
    action: str
    value: str = ""


@dataclass(frozen=True)
class Quote:
    """A quoted clause: its number, its section and its text."""

    clause_id: str
    number: str
    section: str
    title: str
    text: str


@dataclass(frozen=True)
class Reply:
    """What the assistant says back, independent of any platform."""

    kind: ReplyKind
    lang: Lang
    text: str
    quote: Quote | None = None
    buttons: tuple[Button, ...] = ()
    explanation: str = ""
    notes: tuple[str, ...] = field(default=())
    clause_id: str | None = None
    action: ClauseAction | None = None
    confidence: float | None = None  # the best match's, for questions the matcher scored
