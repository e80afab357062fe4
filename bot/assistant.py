"""The one entry point of the core: an incoming message or button press becomes a `Reply`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from rapidfuzz.distance import Levenshtein

from bot import messages as msg
from bot.conversation import (
    Conversations,
    Remembered,
    better_in_context,
    combined_question,
    is_why,
    looks_like_follow_up,
)
from bot.matching import Index, build_index, clause_probabilities, match
from bot.models import (
    AnswerVariant,
    Button,
    Clause,
    IncomingMessage,
    Knowledge,
    Lang,
    Localized,
    MatchResult,
    Quote,
    Reply,
)
from bot.suggestions import Popularity, suggested_questions
from bot.text import MAX_CHARS, clean, fold, message_parts, message_pieces, states_cue

SmallTalkKind = Literal["help", "greeting", "thanks", "ack"]
"""In order of precedence: "hoi, wat kun je?" asks for help, "hoi, bedankt" greets."""


def _phrases(text: str) -> tuple[str, ...]:
    """Comma-separated small-talk phrases, folded like the messages they are compared with."""
    return tuple(fold(p) for p in text.split(",") if p.strip())


_GREETINGS_NL = _phrases(
    "hoi, hallo, hoihoi, goedemorgen, goede morgen, goedemiddag, goedenmiddag, goedenavond, "
    "morgen, middag, dag, beste"
)
_GREETINGS_EN = _phrases(
    "hi, hello, hiya, good morning, morning, good afternoon, good evening, hi there, "
    "hello there, hey there, dear"
)
_GREETINGS_ANY = _phrases("hey, hee, yo, start, menu, bot, protocolhulp")
_HELP_NL = _phrases(
    "hulp, ik heb hulp nodig, hulp nodig, kun je me helpen, kan je me helpen, kunt u me helpen, "
    "kunt u mij helpen, wat kun je, wat kan je, wat kun jij, wat kan jij, wat kunt u, wat doe je, "
    "wat doe jij, wat doet deze bot, wat doet dit, wat is dit, wat is dit voor bot, "
    "wat is deze bot, wat ben je, wat ben jij, wie ben je, wie ben jij, wie bent u, "
    "waar ben je voor, waarvoor ben je, waar is dit voor, waar is deze bot voor, "
    "waarvoor is deze bot, waar dient dit voor, hoe werkt dit, hoe werkt het, "
    "hoe werkt deze bot, hoe werk je, wat kan ik vragen, wat kan ik je vragen, "
    "wat kan ik aan je vragen, wat kan ik hier vragen, waar kun je mee helpen, "
    "waar kun je me mee helpen, waarmee kun je helpen, welke commando's, commando's, opties, "
    "uitleg"
)
_HELP_EN = _phrases(
    "i need help, need help, can you help me, could you help me, what can you do, "
    "what do you do, what is this, what is this bot, what is this bot for, what is this for, "
    "what's this, what's this bot, what's this bot for, what's this for, what are you, "
    "what are you for, who are you, how does this work, how does it work, "
    "how does this bot work, how do you work, how do i use this, how do i use you, "
    "what can i ask, what can i ask you, what should i ask, commands, what commands, "
    "which commands, options"
)
_HELP_ANY = _phrases("help, help me, info")
_THANKS_NL = _phrases(
    "bedankt, dank, dank je, dank je wel, dankjewel, dank u, dank u wel, dankuwel, merci, dat helpt"
)
_THANKS_EN = _phrases(
    "thanks, thank you, thank you very much, thanks a lot, many thanks, thx, cheers, that helps"
)
_ACKS_NL = _phrases("fijn, duidelijk, helder, top, prima, mooi, begrepen")
_ACKS_EN = _phrases("great, got it, clear, understood, nice, fine, all right, alright")
_ACKS_ANY = _phrases("ok, oke, oké, okay, oki, perfect, super, cool")
FILLERS = frozenset(
    _phrases(
        "allemaal, eigenlijk, precies, nou, dan, zoal, zoals, even, ff, nog, eens, heel, erg, "
        "hartelijk, enorm, wel, hoor, alvast, exactly, actually, again, please, pls, plz, very, "
        "much, so"
    )
)
"""Words that go with small talk and never make it a question ("wat kun je eigenlijk?")."""


def _small_talk_table() -> dict[tuple[str, ...], tuple[SmallTalkKind, Lang | None]]:
    groups: list[tuple[tuple[str, ...], SmallTalkKind, Lang | None]] = [
        (_GREETINGS_NL, "greeting", "nl"),
        (_GREETINGS_EN, "greeting", "en"),
        (_GREETINGS_ANY, "greeting", None),
        (_HELP_NL, "help", "nl"),
        (_HELP_EN, "help", "en"),
        (_HELP_ANY, "help", None),
        (_THANKS_NL, "thanks", "nl"),
        (_THANKS_EN, "thanks", "en"),
        (_ACKS_NL, "ack", "nl"),
        (_ACKS_EN, "ack", "en"),
        (_ACKS_ANY, "ack", None),
    ]
    return {tuple(p.split()): (kind, lang) for items, kind, lang in groups for p in items}


SMALL_TALK = _small_talk_table()
"""Greetings, requests for help and thanks, folded, with their kind and language (or None)."""
_LONGEST_TALK = max(len(phrase) for phrase in SMALL_TALK)
_MIN_TYPO_LENGTH = 6  # "bedankd", "goedemorgn": one typo in a longer single word still counts


@dataclass(frozen=True)
class SmallTalk:
    """A message made only of greetings, requests for help and thanks, and its language."""

    kind: SmallTalkKind
    lang: Lang | None


ANSWERING = frozenset({"answer", "did_you_mean"})
PRINCIPLES_SECTION = "U"
MAX_PRINCIPLES = 2


class Assistant:
    """Answers staff questions about the protocol. Platform-free; what a conversation was
    last about is kept by `conversations` (bot/conversation.py), when given."""

    def __init__(
        self,
        knowledge: Knowledge,
        *,
        index: Index | None = None,
        conversations: Conversations | None = None,
        popularity: Popularity | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.index = index or build_index(knowledge)
        self.conversations = conversations
        self.popularity = popularity

    def handle(self, message: IncomingMessage) -> Reply:
        """Answer one chat message: the help for small talk, else what the matcher found."""
        return self.handle_in(message, self.conversations)

    def handle_in(self, message: IncomingMessage, conversations: Conversations | None) -> Reply:
        """Answer one chat message, reading follow-ups in the light of `conversations`."""
        talk = small_talk(clean(message.text).text)
        if talk is not None:
            lang = message.lang or talk.lang or self._language_of(message.text)
            return self._help(lang, opening=_OPENINGS[talk.kind])
        result = match(without_small_talk(message.text), self.index, lang=message.lang)
        if not result.question:
            return self._help(result.lang, kind="empty")
        if conversations is None:
            return self.reply_for(result)
        return self._in_conversation(message, result, conversations)

    def _in_conversation(
        self, message: IncomingMessage, result: MatchResult, conversations: Conversations
    ) -> Reply:
        # The context is read (a database query when serving) only for a possible follow-up.
        candidate = is_why(result.question) or looks_like_follow_up(
            result.question, result, conversations.rules
        )
        context = conversations.recall(message.conversation) if candidate else None
        followed = self._follow_up(message, result, context) if context else None
        reply, asked = followed or (self.reply_for(result), result.question)
        if reply.clause_id and reply.kind in ANSWERING:
            conversations.remember(message.conversation, reply.clause_id, asked, reply.lang)
        return reply

    def _follow_up(
        self, message: IncomingMessage, alone: MatchResult, context: Remembered
    ) -> tuple[Reply, str] | None:
        """The reply to a possible follow-up read together with the previous question, and
        that combined question; None when the combined reading is no better."""
        if is_why(alone.question):
            return self.rationale(context.clause_id, alone.lang), context.question
        asked = combined_question(context.question, alone.question)
        combined = replace(match(asked, self.index, lang=message.lang), lang=alone.lang)
        if not better_in_context(alone, combined):
            return None
        reply = self.reply_for(combined)
        # The topic stays the question that set it, unless the follow-up moved to another
        # clause: "en op LinkedIn?" after "en als de ouders toestemming geven?" is read with
        # the first question, not with both.
        topic = context.question if reply.clause_id == context.clause_id else asked
        return replace(reply, notes=(self._context_note(context, reply), *reply.notes)), topic

    def _context_note(self, context: Remembered, reply: Reply) -> str:
        before = self.knowledge.clause(context.clause_id)
        values = {"number": before.number, "title": before.title.get(reply.lang)}
        if reply.clause_id == before.id:
            return msg.FOLLOW_UP_SAME.get(reply.lang).format(**values)
        now = self.knowledge.clause(reply.clause_id or before.id)
        new = f"{now.number} {now.title.get(reply.lang)}"
        return msg.FOLLOW_UP_MOVED.get(reply.lang).format(new=new, **values)

    def rationale(self, clause_id: str, lang: Lang) -> Reply:
        """Why a clause: the principles (U.1-U.5) it rests on, with their words."""
        clause = self.knowledge.clause(clause_id)
        heading = msg.WHY.get(lang).format(number=clause.number, title=clause.title.get(lang))
        lines = [
            f"• {p.number} {p.title.get(lang)}: {first_sentence(p.text_in(lang))}"
            for p in self.principles_of(clause)
        ]
        text = "\n".join([heading, *lines])
        return Reply(kind="answer", lang=lang, text=text, clause_id=clause.id)

    def principles_of(self, clause: Clause) -> list[Clause]:
        """The principles in the clause's `related`, then those the model finds nearest to
        the clause's own text, up to two."""
        principles = [c for c in self.knowledge.clauses if c.section_id == PRINCIPLES_SECTION]
        if clause in principles:
            return [clause]
        named = [c for c in principles if c.id in clause.related]
        return (named + [c for c in self._nearest(clause, principles) if c not in named])[
            :MAX_PRINCIPLES
        ]

    def _nearest(self, clause: Clause, candidates: list[Clause]) -> list[Clause]:
        analysis = self.index.analyzer.analyze(clause.text, "nl")
        probabilities = clause_probabilities(analysis, self.index)
        row = {label: i for i, label in enumerate(self.index.model.classes)}
        return sorted(candidates, key=lambda c: -float(probabilities[row[c.id]]))

    def reply_for(self, result: MatchResult) -> Reply:
        """Turn a match result into a reply: an answer, a did-you-mean, or an honest no."""
        notes = (
            (msg.TRUNCATED.get(result.lang).format(limit=MAX_CHARS),) if result.truncated else ()
        )
        best = result.best
        if result.abstained or best is None:
            return self._abstain(result, notes)
        clause = self.knowledge.clause(best.clause_id)
        alternatives = self._alternatives(result) if result.ambiguous else ()
        reply = self.answer(
            clause, result.lang, alternatives=alternatives, question=result.question
        )
        explanation = self._explain(result)
        return Reply(
            kind="did_you_mean" if alternatives else "answer",
            lang=reply.lang,
            text=reply.text,
            quote=reply.quote,
            buttons=reply.buttons,
            explanation=explanation,
            notes=notes,
            clause_id=clause.id,
            action=clause.action,
            confidence=best.confidence,
        )

    def answer(
        self,
        clause: Clause,
        lang: Lang,
        *,
        alternatives: tuple[Clause, ...] = (),
        question: str = "",
    ) -> Reply:
        """The answer for one clause: short text, the quoted clause, and its buttons.

        With the `question`, a clause's variant answer is chosen when the question already
        states its condition ("de ouders hebben getekend").
        """
        text = answer_for(clause, question).get(lang)
        if alternatives:
            names = ", ".join(f"{c.number} {c.title.get(lang)}" for c in alternatives)
            text = f"{text}\n\n{msg.ALSO_MEANT.get(lang)} {names}?"
        quote = Quote(
            clause_id=clause.id,
            number=clause.number,
            section=clause.section.get(lang),
            title=clause.title.get(lang),
            text=clause.text_in(lang),
        )
        buttons = tuple(_other_button(c, lang) for c in alternatives) + _action_buttons(
            clause, lang
        )
        if not alternatives:
            counts = self.popularity() if self.popularity else {}
            buttons += suggested_questions(clause, self.knowledge, lang, counts)
        return Reply(
            kind="answer",
            lang=lang,
            text=text,
            quote=quote,
            buttons=buttons,
            clause_id=clause.id,
            action=clause.action,
        )

    def show_clause(self, clause_id: str, lang: Lang) -> Reply:
        """The answer for a clause picked from "other answers"."""
        try:
            return self.answer(self.knowledge.clause(clause_id), lang)
        except KeyError:
            text = msg.UNKNOWN_CLAUSE.get(lang).format(clause=clause_id[:20])
            return Reply(kind="notice", lang=lang, text=text)

    def _alternatives(self, result: MatchResult) -> tuple[Clause, ...]:
        best = result.matches[0]
        close = [m for m in result.matches[1:] if best.score - m.score < self.index.config.near_tie]
        return tuple(self.knowledge.clause(m.clause_id) for m in close)

    def _explain(self, result: MatchResult) -> str:
        best, runner = result.matches[0], result.matches[1:2]
        clause = self.knowledge.clause(best.clause_id)
        runner_text = ""
        if runner:
            other = self.knowledge.clause(runner[0].clause_id)
            runner_text = msg.RUNNER_UP.get(result.lang).format(
                number=other.number, confidence=runner[0].confidence
            )
        return msg.EXPLANATION.get(result.lang).format(
            number=clause.number,
            phrasing=best.phrasing[:120],
            confidence=best.confidence,
            runner=runner_text,
        )

    def _abstain(self, result: MatchResult, notes: tuple[str, ...]) -> Reply:
        unsure = result.reason == "low_confidence"
        text = (msg.UNSURE if unsure else msg.OUT_OF_SCOPE).get(result.lang)
        confidence = result.best.confidence if result.best else 0.0
        return Reply(
            kind="out_of_scope", lang=result.lang, text=text, notes=notes, confidence=confidence
        )

    def _help(
        self, lang: Lang, *, kind: str = "help", opening: Localized = msg.HELP_GREETING
    ) -> Reply:
        text = f"{opening.get(lang)} {self._fill(msg.HELP).get(lang)}"
        return Reply(kind="empty" if kind == "empty" else "help", lang=lang, text=text)

    def _language_of(self, text: str) -> Lang:
        """The analyser's guess, for small talk that does not tell ("help", "ok")."""
        return self.index.analyzer.analyze(text).lang

    def _fill(self, text: Localized) -> Localized:
        values = {"school": self.knowledge.school, "foundation": self.knowledge.foundation}
        return Localized(text.nl.format(**values), text.en.format(**values))


_OPENINGS: dict[SmallTalkKind, Localized] = {
    "greeting": msg.HELP_GREETING,
    "help": msg.HELP_GREETING,
    "thanks": msg.HELP_THANKS,
    "ack": msg.HELP_ACK,
}


def first_sentence(text: str, limit: int = 240) -> str:
    """The first sentence of `text`, clipped to `limit` characters."""
    sentence = text.strip().split(". ")[0].rstrip(".") + "."
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def answer_for(clause: Clause, question: str) -> Localized:
    """The clause's answer, or its first variant whose condition `question` states."""
    variant = chosen_variant(clause.variants, question) if question else None
    return variant.answer if variant is not None else clause.answer


def chosen_variant(variants: Sequence[AnswerVariant], question: str) -> AnswerVariant | None:
    """The first variant with a cue that `question` states (not negated); None if none is."""
    return next((v for v in variants if states_cue(question, v.cues)), None)


def without_small_talk(text: str) -> str:
    """The message without the greetings and thanks around its question ("Hoi, mag ik …?
    Alvast bedankt!" is matched as "mag ik …?"): they only dilute the matcher's features."""
    kept = [piece + end for piece, end in message_pieces(text) if not _is_small_talk_piece(piece)]
    return "".join(kept).strip() or text


def _is_small_talk_piece(piece: str) -> bool:
    words = tuple(w for w in fold(piece).split() if w not in FILLERS)
    return bool(words) and _small_talk_phrases(words) is not None


def small_talk(question: str) -> SmallTalk | None:
    """The small talk `question` is made of, or None when any part of it is something else.

    "Goedemorgen! Wat kun je?" is help; "help, mag ik een foto van mijn klas posten?" is a
    question (a greeting or "help" in front of a question does not hide it).
    """
    found: list[tuple[SmallTalkKind, Lang | None]] = []
    for part in message_parts(question):
        phrases = _small_talk_phrases(tuple(w for w in part if w not in FILLERS))
        if phrases is None:
            return None
        found += phrases
    if not found:
        return None
    kinds = {kind for kind, _ in found}
    kind = next(k for k in get_args(SmallTalkKind) if k in kinds)
    return SmallTalk(kind, _small_talk_language([lang for _, lang in found]))


def _small_talk_phrases(words: tuple[str, ...]) -> list[tuple[SmallTalkKind, Lang | None]] | None:
    """Cover `words` with small-talk phrases, longest first; None if a word is left over."""
    found = []
    at = 0
    while at < len(words):
        for size in range(min(_LONGEST_TALK, len(words) - at), 0, -1):
            entry = _small_talk_entry(words[at : at + size])
            if entry is not None:
                found.append(entry)
                at += size
                break
        else:
            return None
    return found


def _small_talk_entry(phrase: tuple[str, ...]) -> tuple[SmallTalkKind, Lang | None] | None:
    if phrase in SMALL_TALK:
        return SMALL_TALK[phrase]
    if len(phrase) != 1 or len(phrase[0]) < _MIN_TYPO_LENGTH:
        return None
    near = [
        entry
        for known, entry in SMALL_TALK.items()
        if len(known) == 1 and Levenshtein.distance(phrase[0], known[0], score_cutoff=1) <= 1
    ]
    return near[0] if near else None


def _small_talk_language(langs: list[Lang | None]) -> Lang | None:
    """English or Dutch when more of the phrases are; None when they do not tell."""
    english, dutch = langs.count("en"), langs.count("nl")
    if english == dutch:
        return None
    return "en" if english > dutch else "nl"


def _other_button(clause: Clause, lang: Lang) -> Button:
    label = msg.BUTTON_OTHER.get(lang).format(number=clause.number, title=clause.title.get(lang))
    return Button(label=label, action="show_clause", value=clause.id)


def _action_buttons(clause: Clause, lang: Lang) -> tuple[Button, ...]:
    if clause.action == "doubt_check":
        return (Button(msg.BUTTON_DOUBT.get(lang), "doubt_check", clause.id),)
    if clause.action == "escalate":
        return (Button(msg.BUTTON_ESCALATE.get(lang), "escalate", clause.id),)
    return ()
