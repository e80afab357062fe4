"""Adaptive Cards for the workflows: the doubt check and escalation forms, and notification
cards (the director's card with a comment field and decision buttons, the escalation status).

Every submit carries `data.action` (one of WORKFLOW_ACTIONS); Teams merges the inputs' values
into the same `value` object, so the form's fields arrive by their ids.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from adapters.teams.cards import CONTENT_TYPE, SCHEMA, VERSION, clip, submit, text_block, visible
from bot.models import Lang, Localized, Reply

Card = dict[str, Any]

DOUBT_SUBMIT = "doubt_submit"
ESCALATE_SUBMIT = "escalate_submit"
DECISIONS = frozenset({"approve", "advise_against", "talk", "acknowledge", "resolve"})
WORKFLOW_ACTIONS = frozenset({DOUBT_SUBMIT, ESCALATE_SUBMIT, *DECISIONS})
COMMENT_ID = "comment"
TYPED_CHOICES = re.compile(r"^(Kies|Choose): /")
PLATFORMS = ("Instagram", "Facebook", "X", "TikTok", "LinkedIn", "YouTube", "WhatsApp")

L = Localized
DOUBT_TITLE = L("Vraag mijn directeur (B.3)", "Ask my director (B.3)")
ESCALATE_TITLE = L("Escaleren (B.2)", "Escalate (B.2)")
DRAFT_LABEL = L("Je concepttekst", "Your draft")
LINK_LABEL = L("Link (optioneel)", "Link (optional)")
PLATFORM_LABEL = L("Platform", "Platform")
WHEN_LABEL = L(
    "Wanneer wil je publiceren? (bijv. morgen om 9 uur, volgende week dinsdag, nu, weet ik niet)",
    "When do you want to publish? (e.g. tomorrow at 9, next Tuesday, now, unknown)",
)
WHEN_UNKNOWN = L("weet ik niet", "unknown")
LINKS_LABEL = L("Link(s) naar de discussie", "Link(s) to the discussion")
WHAT_LABEL = L("Wat gebeurt er?", "What is happening?")
URGENCY_LABEL = L("Hoe dringend?", "How urgent?")
URGENCY_NOW = L("Nu", "Now")
URGENCY_TODAY = L("Vandaag", "Today")
SEND = L("Versturen", "Send")
COMMENT_LABEL = L(
    "Opmerking (verplicht bij afraden en opgelost)",
    "Comment (required for advise against and resolve)",
)


def card_attachment(card: Card) -> dict[str, Any]:
    """A card as an attachment (plain data; bot.py turns it into the SDK's Attachment)."""
    return {"contentType": CONTENT_TYPE, "content": card}


def wrap(body: list[Card], fallback: str) -> Card:
    """An Adaptive Card around `body`."""
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": visible(clip(fallback, 1000)),
        "msteams": {"width": "Full"},
        "body": body,
    }


def text_input(name: str, label: str, *, value: str = "", multiline: bool = False) -> Card:
    """An Input.Text with a label."""
    field: Card = {"type": "Input.Text", "id": name, "label": label, "isMultiline": multiline}
    if value:
        field["value"] = clip(value, 3000)
    return field


def doubt_form(lang: Lang, *, draft: str = "") -> Card:
    """The B.3 form: draft, link, platform and the intended publish time."""
    platforms = [{"title": p, "value": p} for p in PLATFORMS]
    body = [
        text_block(DOUBT_TITLE.get(lang), limit=100, weight="Bolder"),
        {
            **text_input("draft", DRAFT_LABEL.get(lang), value=draft, multiline=True),
            "isRequired": True,
        },
        text_input("link", LINK_LABEL.get(lang)),
        {
            "type": "Input.ChoiceSet",
            "id": "platform",
            "label": PLATFORM_LABEL.get(lang),
            "choices": platforms,
            "style": "compact",
        },
        text_input("when", WHEN_LABEL.get(lang), value=WHEN_UNKNOWN.get(lang)),
        {
            "type": "ActionSet",
            "actions": [submit(SEND.get(lang), {"action": DOUBT_SUBMIT, "lang": lang})],
        },
    ]
    return wrap(body, DOUBT_TITLE.get(lang))


def escalation_form(lang: Lang, *, what: str = "") -> Card:
    """The B.2 form: links, platform, what is happening and the urgency."""
    platforms = [{"title": p, "value": p} for p in PLATFORMS]
    urgency = [
        {"title": URGENCY_NOW.get(lang), "value": "nu"},
        {"title": URGENCY_TODAY.get(lang), "value": "vandaag"},
    ]
    body = [
        text_block(ESCALATE_TITLE.get(lang), limit=100, weight="Bolder"),
        text_input("links", LINKS_LABEL.get(lang), multiline=True),
        {
            "type": "Input.ChoiceSet",
            "id": "platform",
            "label": PLATFORM_LABEL.get(lang),
            "choices": platforms,
            "style": "compact",
        },
        {
            **text_input("what", WHAT_LABEL.get(lang), value=what, multiline=True),
            "isRequired": True,
        },
        {
            "type": "Input.ChoiceSet",
            "id": "urgency",
            "label": URGENCY_LABEL.get(lang),
            "choices": urgency,
            "value": "nu",
            "style": "expanded",
        },
        {
            "type": "ActionSet",
            "actions": [submit(SEND.get(lang), {"action": ESCALATE_SUBMIT, "lang": lang})],
        },
    ]
    return wrap(body, ESCALATE_TITLE.get(lang))


def notification_card(
    message: Reply, *, status: str = "", mentions: tuple[tuple[str, str], ...] = ()
) -> Card:
    """A workflow notification: its text, an optional status line and mentions, and its
    buttons with a comment field (the director's choices; Acknowledge / Resolve)."""
    message = without_typed_choices(message)
    body: list[Card] = []
    if mentions:
        body.append(text_block(" ".join(f"<at>{name}</at>" for _, name in mentions), limit=500))
    body.append(text_block(message.text, limit=4000))
    if status:
        body.append(text_block(f"Status: {status}", limit=200, weight="Bolder"))
    if message.buttons:
        body.append(text_input(COMMENT_ID, COMMENT_LABEL.get(message.lang), multiline=True))
        actions = [
            submit(b.label, {"action": b.action, "request": b.value, "lang": message.lang})
            for b in message.buttons
        ]
        body.append({"type": "ActionSet", "actions": actions})
    card = wrap(body, message.text)
    if mentions:
        card["msteams"]["entities"] = [
            {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": uid, "name": name}}
            for uid, name in mentions
        ]
    return card


def without_typed_choices(message: Reply) -> Reply:
    """Drop the "Kies: /akkoord 12 ..." line the terminal needs; the card has buttons."""
    if not message.buttons:
        return message
    kept = [line for line in message.text.split("\n") if not TYPED_CHOICES.match(line)]
    return replace(message, text="\n".join(kept).rstrip())
