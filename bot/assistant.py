"""The one entry point of the core: an incoming message or button press becomes a `Reply`."""

from __future__ import annotations

from bot import messages as msg
from bot.matching import Index, build_index, match
from bot.models import (
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
from bot.text import MAX_CHARS, fold

GREETINGS = frozenset(
    [
        "hoi",
        "hallo",
        "hey",
        "hee",
        "hi",
        "hello",
        "hiya",
        "goedemorgen",
        "goedemiddag",
        "goedenavond",
        "morgen",
        "dag",
        "yo",
        "help",
        "hulp",
        "start",
        "menu",
    ]
)
HELP_PHRASES = frozenset(
    {
        "wat kun je",
        "wat kan je",
        "wat kun jij",
        "wat doe je",
        "what can you do",
        "how does this work",
        "hoe werkt dit",
        "wie ben jij",
        "wie ben je",
        "who are you",
    }
)


class Assistant:
    """Answers staff questions about the protocol. Platform-free and stateless."""

    def __init__(self, knowledge: Knowledge, *, index: Index | None = None) -> None:
        self.knowledge = knowledge
        self.index = index or build_index(knowledge)

    def handle(self, message: IncomingMessage) -> Reply:
        """Answer one chat message."""
        result = match(message.text, self.index, lang=message.lang)
        if not result.question:
            return self._help(result.lang, kind="empty")
        if _is_greeting_or_help(result.question):
            return self._help(result.lang)
        return self.reply_for(result)

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
        reply = self.answer(clause, result.lang, alternatives=alternatives)
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

    def answer(self, clause: Clause, lang: Lang, *, alternatives: tuple[Clause, ...] = ()) -> Reply:
        """The answer for one clause: short text, the quoted clause, and its buttons."""
        text = clause.answer.get(lang)
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

    def _help(self, lang: Lang, *, kind: str = "help") -> Reply:
        text = self._fill(msg.HELP).get(lang)
        return Reply(kind="empty" if kind == "empty" else "help", lang=lang, text=text)

    def _fill(self, text: Localized) -> Localized:
        values = {"school": self.knowledge.school, "foundation": self.knowledge.foundation}
        return Localized(text.nl.format(**values), text.en.format(**values))


def _is_greeting_or_help(question: str) -> bool:
    folded = fold(question)
    words = folded.split()
    if not words or folded in HELP_PHRASES or (words[0] in {"help", "hulp"} and len(words) <= 2):
        return True
    return len(words) <= 3 and all(w in GREETINGS for w in words)


def _other_button(clause: Clause, lang: Lang) -> Button:
    label = msg.BUTTON_OTHER.get(lang).format(number=clause.number, title=clause.title.get(lang))
    return Button(label=label, action="show_clause", value=clause.id)


def _action_buttons(clause: Clause, lang: Lang) -> tuple[Button, ...]:
    if clause.action == "doubt_check":
        return (Button(msg.BUTTON_DOUBT.get(lang), "doubt_check", clause.id),)
    if clause.action == "escalate":
        return (Button(msg.BUTTON_ESCALATE.get(lang), "escalate", clause.id),)
    return ()
