"""Adaptive Card rendering: pure functions from a platform-free `Reply` to card JSON (schema 1.5).

The card shows the short answer, the quoted clause with its number and section, "why this
answer" behind a toggle, "other answers" on a near-tie, the B.3/B.2 buttons and 👍/👎 feedback.
Every button is an `Action.Submit` whose `data` says what to do (`actions.py` reads it back).

Safety: the card is built as data, never from a template, so no text can add elements. Text a
person typed is shown only in `TextRun`s, which Adaptive Cards never read as markdown; every
other text goes through `neutralise`, so no text can form a markdown link either.
"""

from __future__ import annotations

import re
from typing import Any

from bot.models import Button, Lang, Localized, Quote, Reply
from bot.suggestions import ASK

Card = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ANSWER_KINDS = frozenset({"answer", "did_you_mean"})

TEXT_LIMIT = 4000
QUOTE_LIMIT = 6000
ECHO_LIMIT = 300
TITLE_LIMIT = 60
SUMMARY_LIMIT = 250
MAX_CHOICES = 5
MAX_NOTES = 5
ELLIPSIS = "…"
WHY_ID = "why"

# The `action` values this module puts in Action.Submit data; actions.py handles each.
SHOW_CLAUSE = "show_clause"
FEEDBACK = "feedback"
DOUBT_CHECK = "doubt_check"
ESCALATE = "escalate"
HANDLED_ACTIONS = frozenset({SHOW_CLAUSE, FEEDBACK, DOUBT_CHECK, ESCALATE})

WHY_LABEL = Localized(nl="Waarom dit antwoord?", en="Why this answer?")
HELPFUL_LABEL = Localized(nl="👍 Nuttig", en="👍 Helpful")
UNHELPFUL_LABEL = Localized(nl="👎 Niet nuttig", en="👎 Not helpful")
YOUR_QUESTION = Localized(nl="Je vraag: ", en="Your question: ")

# Markdown that Adaptive Cards understand in a TextBlock: links, emphasis, lists, headings.
_LINK = re.compile(r"\]\(")
_EMPHASIS = re.compile(r"([*_~`])")
_LIST_MARKER = re.compile(r"^(\s*)([-+>#]|\d+\.)(\s)", re.MULTILINE)


def render_card(reply: Reply, *, question: str | None = None) -> Card:
    """The Adaptive Card for an answer (or did-you-mean); `question` is echoed above it."""
    body: list[Card] = notes_blocks(reply.notes)
    if question:
        body.append(echo_block(question, reply.lang))
    body.append(text_block(reply.text, limit=TEXT_LIMIT))
    if reply.quote:
        body.append(quote_container(reply.quote))
    if reply.explanation.strip():
        body += why_blocks(reply.explanation, reply.lang)
    body += choice_sets(reply)
    if reply.clause_id:
        body.append(feedback_set(reply.clause_id, reply.lang))
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": fallback_text(reply),
        "msteams": {"width": "Full"},
        "body": body,
    }


def is_card_reply(reply: Reply) -> bool:
    """Answers become cards; everything else (out of scope, help, notices) is plain text."""
    return reply.kind in ANSWER_KINDS


def fallback_text(reply: Reply) -> str:
    """A plain-text version: what notifications and clients without cards show."""
    parts = [*reply.notes[:MAX_NOTES], reply.text]
    if reply.quote:
        parts.append(f"({reply.quote.number})")
    return visible(clip("\n".join(parts), TEXT_LIMIT))


def summary(reply: Reply) -> str:
    """The one-line summary Teams shows in notifications and the chat list."""
    return visible(clip(" ".join(fallback_text(reply).split()), SUMMARY_LIMIT))


def plain_text(reply: Reply) -> str:
    """The text of a plain-text reply: notes first, then the text."""
    return visible("\n\n".join([*reply.notes[:MAX_NOTES], clip(reply.text, TEXT_LIMIT)]))


def text_block(text: str, *, limit: int, subtle: bool = False, **extra: Any) -> Card:
    """A wrapping TextBlock with `text` neutralised and clipped."""
    block: Card = {"type": "TextBlock", "text": visible(neutralise(clip(text, limit)))}
    block["wrap"] = True
    if subtle:
        block.update({"isSubtle": True, "size": "Small"})
    return {**block, **extra}


def notes_blocks(notes: tuple[str, ...]) -> list[Card]:
    """Notes (e.g. "your message was clipped") as small subtle lines."""
    shown = [note for note in notes if note.strip()][:MAX_NOTES]
    return [text_block(note, limit=500, subtle=True) for note in shown]


def echo_block(question: str, lang: Lang) -> Card:
    """The question as typed, in a TextRun: shown literally, never read as markdown."""
    said = clip(" ".join(question.split()), ECHO_LIMIT).replace("{{", "{ {")
    return {
        "type": "RichTextBlock",
        "inlines": [
            {"type": "TextRun", "text": YOUR_QUESTION.get(lang), "isSubtle": True},
            {"type": "TextRun", "text": visible(said), "italic": True, "isSubtle": True},
        ],
    }


def quote_container(quote: Quote) -> Card:
    """The quoted clause: number, section and title in bold, then the clause text."""
    heading = f"{quote.number} · {quote.section} — {quote.title}"
    return {
        "type": "Container",
        "style": "emphasis",
        "items": [
            text_block(heading, limit=300, weight="Bolder"),
            {
                "type": "RichTextBlock",
                "inlines": [{"type": "TextRun", "text": visible(clip(quote.text, QUOTE_LIMIT))}],
            },
        ],
    }


def why_blocks(explanation: str, lang: Lang) -> list[Card]:
    """ "Why this answer": a toggle button and the explanation, hidden until it is pressed."""
    toggle = {
        "type": "Action.ToggleVisibility",
        "title": WHY_LABEL.get(lang),
        "targetElements": [WHY_ID],
    }
    hidden = text_block(explanation, limit=1000, subtle=True, id=WHY_ID, isVisible=False)
    return [{"type": "ActionSet", "actions": [toggle]}, hidden]


def choice_sets(reply: Reply) -> list[Card]:
    """ "Other answers" and the B.3/B.2 buttons, as one ActionSet (none when there are none)."""
    actions = [submit(b.label, button_data(b, reply.lang)) for b in reply.buttons[:MAX_CHOICES]]
    return [{"type": "ActionSet", "actions": actions}] if actions else []


def feedback_set(clause_id: str, lang: Lang) -> Card:
    """👍/👎 buttons; their data names the clause the answer rests on."""
    up = {"action": FEEDBACK, "vote": "up", "clause": clause_id, "lang": lang}
    down = {"action": FEEDBACK, "vote": "down", "clause": clause_id, "lang": lang}
    return {
        "type": "ActionSet",
        "actions": [submit(HELPFUL_LABEL.get(lang), up), submit(UNHELPFUL_LABEL.get(lang), down)],
    }


def button_data(button: Button, lang: Lang) -> dict[str, Any]:
    """The Action.Submit data for a reply's button: the action, its clause and the language.
    A suggested question is an imBack: Teams posts its text as the user's own message, which
    is then answered like a typed one (in the conversation's context)."""
    if button.action == ASK:
        return {"msteams": {"type": "imBack", "value": button.value}}
    return {"action": button.action, "clause": button.value, "lang": lang}


def submit(title: str, data: dict[str, Any]) -> Card:
    """An Action.Submit with a clipped title; Teams delivers `data` as the activity's value."""
    return {
        "type": "Action.Submit",
        "title": clip(" ".join(title.split()), TITLE_LIMIT) or ELLIPSIS,
        "data": data,
    }


def neutralise(text: str) -> str:
    """`text` with the markdown Adaptive Cards read turned inert: no links, emphasis or lists.

    Backslash escapes are not reliable across Teams clients, so the markup is broken instead:
    `](` is split by a word joiner (U+2060), emphasis characters get a zero-width joiner after them,
    and list or heading markers at a line start are preceded by a zero-width space.
    """
    text = _LINK.sub("]\u2060(", text)
    text = _EMPHASIS.sub("\\1\u2060", text)
    text = _LIST_MARKER.sub("\\1\u200b\\2\\3", text)
    return text.replace("{{", "{ {")


def visible(text: str) -> str:
    """`text`, or "…" when it would show nothing (Teams rejects empty TextBlocks)."""
    return text if text.strip() else ELLIPSIS


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
