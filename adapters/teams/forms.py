"""Adaptive Cards for the workflows: the doubt check and escalation forms, and notification
cards (the director's card with a comment field and decision buttons, the escalation status).

Every submit carries `data.action` (one of WORKFLOW_ACTIONS); Teams merges the inputs' values
into the same `value` object, so the form's fields arrive by their ids.

The escalation's card in a school's channel (`thread_card`) uses Universal Actions instead: the
card everyone sees carries the text and the status, and a `refresh` (`Action.Execute`, verb
"refresh") that Teams runs for the deciders' user ids; the deciders' view adds the comment field
and the decisions as `Action.Execute` (verb = the decision, data = request and language, the
comment merged in by Teams). bot.py answers those `adaptiveCard/action` invokes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from adapters.teams.cards import (
    ELLIPSIS,
    SCHEMA,
    TITLE_LIMIT,
    VERSION,
    clip,
    submit,
    text_block,
    visible,
)
from bot.models import Button, Lang, Localized, Reply

Card = dict[str, Any]

DOUBT_SUBMIT = "doubt_submit"
ESCALATE_SUBMIT = "escalate_submit"
DECISIONS = frozenset({"approve", "advise_against", "talk", "acknowledge", "resolve"})
WORKFLOW_ACTIONS = frozenset({DOUBT_SUBMIT, ESCALATE_SUBMIT, *DECISIONS})
COMMENT_ID = "comment"
EXECUTE = "Action.Execute"
REFRESH = "refresh"  # the verb of the channel card's refresh
EXECUTE_DECISIONS = frozenset({"acknowledge", "resolve"})  # the channel card's decisions
EXECUTE_VERBS = frozenset({REFRESH, *EXECUTE_DECISIONS})
MAX_REFRESH_USERS = 60  # Teams refreshes a card automatically for at most 60 user ids
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
REFRESH_TITLE = L("Vernieuwen", "Refresh")


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
    body = status_blocks(message.text, status, mentions)
    if message.buttons:
        actions = [
            submit(b.label, {"action": b.action, "request": b.value, "lang": message.lang})
            for b in message.buttons
        ]
        body += decision_blocks(message.lang, actions)
    return with_mentions(wrap(body, message.text), mentions)


def thread_card(
    message: Reply,
    *,
    status: str,
    refresh: Card | None,
    mentions: tuple[tuple[str, str], ...] = (),
    outcome: str = "",
) -> Card:
    """The escalation's channel card: text, status and `refresh` (None once it is final).

    With `message.buttons` it is a decider's view: the comment field and the decisions as
    `Action.Execute`. `outcome` (what a decision did, or why not) is a line under the status.
    """
    message = without_typed_choices(message)
    body = status_blocks(message.text, status, mentions)
    if outcome:
        body.append(text_block(outcome, limit=1000, color="Accent"))
    if message.buttons:
        body += decision_blocks(message.lang, [execute(b, message.lang) for b in message.buttons])
    card = with_mentions(wrap(body, message.text), mentions)
    if refresh is not None:
        card["refresh"] = refresh
    return card


def refresh_for(request: str, lang: Lang, user_ids: tuple[str, ...]) -> Card:
    """A card's `refresh`: Teams runs it (an `adaptiveCard/action` invoke, verb "refresh") when
    one of `user_ids` (Teams user ids, "29:…") sees the card; others may refresh it by hand."""
    action = {
        "type": EXECUTE,
        "title": REFRESH_TITLE.get(lang),
        "verb": REFRESH,
        "data": {"request": request, "lang": lang},
    }
    return {"action": action, "userIds": list(dict.fromkeys(user_ids))[:MAX_REFRESH_USERS]}


def execute(button: Button, lang: Lang) -> Card:
    """A decision as an `Action.Execute`: the verb is the decision, the data the request."""
    return {
        "type": EXECUTE,
        "title": clip(" ".join(button.label.split()), TITLE_LIMIT) or ELLIPSIS,
        "verb": button.action,
        "data": {"request": button.value, "lang": lang},
    }


def status_blocks(text: str, status: str, mentions: tuple[tuple[str, str], ...]) -> list[Card]:
    """The mentions line, the text and the status line."""
    body: list[Card] = []
    if mentions:
        body.append(text_block(" ".join(f"<at>{name}</at>" for _, name in mentions), limit=500))
    body.append(text_block(text, limit=4000))
    if status:
        body.append(text_block(f"Status: {status}", limit=200, weight="Bolder"))
    return body


def decision_blocks(lang: Lang, actions: list[Card]) -> list[Card]:
    """The comment field and the decision buttons."""
    comment = text_input(COMMENT_ID, COMMENT_LABEL.get(lang), multiline=True)
    return [comment, {"type": "ActionSet", "actions": actions}]


def with_mentions(card: Card, mentions: tuple[tuple[str, str], ...]) -> Card:
    """`card` with the mention entities Teams needs for each `<at>name</at>`."""
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
