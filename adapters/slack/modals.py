"""Block Kit views: the doubt check, escalation and comment modals, and the App Home tab.

Pure functions; every text a person typed is escaped before it reaches mrkdwn.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.blocks import Block, button, context_block, section
from adapters.slack.mrkdwn import escape
from bot.models import Lang, Localized
from bot.org import School

DOUBT_VIEW = "doubt_check_modal"
ESCALATION_VIEW = "escalation_modal"
COMMENT_VIEW = "decision_comment_modal"
SCHOOL_ACTION = "choose_school"

L = Localized
DOUBT_TITLE = L("Vraag je directeur", "Ask your director")
ESCALATION_TITLE = L("Escaleren (B.2)", "Escalate (B.2)")
SEND = L("Versturen", "Send")
CLOSE = L("Sluiten", "Close")
DRAFT = L("Je concepttekst", "Your draft")
LINK = L("Link (optioneel)", "Link (optional)")
PLATFORM = L("Platform (optioneel)", "Platform (optional)")
WHEN = L("Wanneer wil je het plaatsen? (optioneel)", "When do you want to post it? (optional)")
WHEN_HINT = L(
    "Bijv. 'morgen om 9 uur', 'volgende week dinsdag', 'vanmiddag', '14-03 15:30', 'nu'.",
    "E.g. 'tomorrow at 9', 'next Tuesday', 'this afternoon', '14-03 15:30', 'now'.",
)
LINKS = L("Link(s) naar de discussie", "Link(s) to the discussion")
WHAT = L("Wat gebeurt er?", "What is happening?")
URGENCY = L("Urgentie", "Urgency")
URGENT_NOW = L("Nu", "Now")
URGENT_TODAY = L("Vandaag", "Today")
COMMENT = L("Toelichting", "Comment")
COMMENT_REQUIRED = L("Reden (verplicht)", "Reason (required)")
DECISION_TITLES = {
    "advise_against": L("Afraden", "Advise against"),
    "talk": L("Overleg", "Let's talk"),
}
PICK_SCHOOL = L(
    "Op welke school werk je? Kies hieronder; daarna wordt je verzoek verstuurd.",
    "Which school do you work at? Pick one below; your request is sent after that.",
)
PLATFORMS = ("Instagram", "Facebook", "X", "TikTok", "LinkedIn", "YouTube", "Website")


def doubt_modal(lang: Lang, *, draft: str = "", meta: dict[str, Any] | None = None) -> Block:
    """The doubt check form: draft, link, platform and intended time."""
    return modal(
        DOUBT_VIEW,
        DOUBT_TITLE.get(lang),
        [
            text_input("draft", DRAFT.get(lang), multiline=True, initial=draft),
            text_input("link", LINK.get(lang), optional=True),
            platform_select(PLATFORM.get(lang)),
            text_input("when", WHEN.get(lang), optional=True, hint=WHEN_HINT.get(lang)),
        ],
        lang=lang,
        meta=meta,
    )


def escalation_modal(
    lang: Lang, *, links: str = "", what: str = "", meta: dict[str, Any] | None = None
) -> Block:
    """The escalation form: links, platform, what is happening, urgency."""
    return modal(
        ESCALATION_VIEW,
        ESCALATION_TITLE.get(lang),
        [
            text_input("links", LINKS.get(lang), multiline=True, initial=links),
            platform_select(PLATFORM.get(lang)),
            text_input("what", WHAT.get(lang), multiline=True, initial=what),
            urgency_select(lang),
        ],
        lang=lang,
        meta=meta,
    )


def comment_modal(lang: Lang, decision: str, meta: dict[str, Any]) -> Block:
    """The director's comment: required when advising against."""
    required = decision == "advise_against"
    label = (COMMENT_REQUIRED if required else COMMENT).get(lang)
    title = DECISION_TITLES.get(decision, COMMENT).get(lang)
    field = text_input("comment", label, multiline=True, optional=not required)
    return modal(COMMENT_VIEW, title, [field], lang=lang, meta={**meta, "decision": decision})


def result_view(title: str, text: str) -> Block:
    """A modal showing one outcome (replaces the form after submission)."""
    return {
        "type": "modal",
        "title": plain(title[:24]),
        "close": plain(CLOSE.get("nl")),
        "blocks": [section(escape(text)[:2900])],
    }


def school_view(lang: Lang, schools: tuple[School, ...], meta: dict[str, Any]) -> Block:
    """Pick a school (someone the organisation file cannot place), keeping the form's values."""
    buttons = [button(s.name, f"{SCHOOL_ACTION}:{i}", s.id) for i, s in enumerate(schools[:20])]
    return {
        "type": "modal",
        "callback_id": "choose_school_view",
        "title": plain(DOUBT_TITLE.get(lang)[:24]),
        "close": plain(CLOSE.get(lang)),
        "private_metadata": json.dumps(meta)[:3000],
        "blocks": [
            section(PICK_SCHOOL.get(lang)),
            {"type": "actions", "block_id": "schools", "elements": buttons},
        ],
    }


def modal(
    callback_id: str,
    title: str,
    inputs: list[Block],
    *,
    lang: Lang,
    meta: dict[str, Any] | None = None,
) -> Block:
    """A modal with a submit button; `meta` travels in private_metadata."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title[:24]),
        "submit": plain(SEND.get(lang)),
        "close": plain(CLOSE.get(lang)),
        "private_metadata": json.dumps({"lang": lang, **(meta or {})})[:3000],
        "blocks": inputs,
    }


def text_input(
    name: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str = "",
    hint: str = "",
) -> Block:
    """An input block whose block_id and action_id are both `name`."""
    element: Block = {"type": "plain_text_input", "action_id": name, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:3000]
    block: Block = {
        "type": "input",
        "block_id": name,
        "optional": optional,
        "label": plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def platform_select(label: str) -> Block:
    """The platform, one of the common ones (optional)."""
    options = [option(name, name) for name in PLATFORMS]
    return {
        "type": "input",
        "block_id": "platform",
        "optional": True,
        "label": plain(label),
        "element": {"type": "static_select", "action_id": "platform", "options": options},
    }


def urgency_select(lang: Lang) -> Block:
    """Now or today (now by default)."""
    now, today = option(URGENT_NOW.get(lang), "nu"), option(URGENT_TODAY.get(lang), "vandaag")
    return {
        "type": "input",
        "block_id": "urgency",
        "label": plain(URGENCY.get(lang)),
        "element": {
            "type": "radio_buttons",
            "action_id": "urgency",
            "options": [now, today],
            "initial_option": now,
        },
    }


def option(text: str, value: str) -> Block:
    """A select or radio option."""
    return {"text": plain(text), "value": value}


def plain(text: str) -> Block:
    """A plain_text object."""
    return {"type": "plain_text", "text": text or "…", "emoji": True}


def values_of(view: dict[str, Any]) -> dict[str, str]:
    """The submitted values of a view, by block id ("" when empty; malformed parts skipped)."""
    found: dict[str, str] = {}
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    for block_id, actions in values.items() if isinstance(values, dict) else ():
        for value in actions.values() if isinstance(actions, dict) else ():
            found[block_id] = _value(value)
    return found


def meta_of(view: dict[str, Any]) -> dict[str, Any]:
    """The view's private_metadata ({} when it is not the JSON object we put there)."""
    metadata = view.get("private_metadata")
    try:
        data = json.loads(metadata) if isinstance(metadata, str) and metadata else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _value(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    selected = value.get("selected_option")
    if isinstance(selected, dict):
        return str(selected.get("value") or "")
    return str(value.get("value") or "")


HOME_INTRO = L(
    "*Protocolhulp* beantwoordt vragen over het social-media-protocol. Stuur me een bericht, "
    "noem me in een kanaal, of gebruik `/protocol`. Twijfel je vóór het plaatsen? `/twijfel`. "
    "Loopt een discussie uit de hand? `/escaleer`.",
    "*Protocolhulp* answers questions about the social-media protocol. Message me, mention me "
    "in a channel, or use `/protocol`. In doubt before posting? `/twijfel`. A discussion "
    "getting out of hand? `/escaleer`.",
)
HOME_EXAMPLES = L(
    "Voorbeelden: _mag ik foto's van mijn klas op Insta zetten?_ · _vriendschapsverzoek van "
    "een ouder_ · _mag ik onder werktijd op Facebook?_",
    "Examples: _may I post photos of my class on Instagram?_ · _friend request from a parent_ "
    "· _may I use Facebook during work?_",
)
HOME_MINE = L("*Mijn open verzoeken*", "*My open requests*")
HOME_WAITING = L("*Wacht op mij*", "*Waiting for me*")
HOME_NONE = L("Geen.", "None.")


def home_view(lang: Lang, mine: list[str], waiting: list[str] | None) -> Block:
    """The App Home tab: how to use it, my open requests, and (leaders) what waits for me."""
    blocks = [section(HOME_INTRO.get(lang)), context_block([HOME_EXAMPLES.get(lang)], escaped=True)]
    blocks += [{"type": "divider"}, section(HOME_MINE.get(lang))]
    blocks += _lines(mine, lang)
    if waiting is not None:
        blocks += [{"type": "divider"}, section(HOME_WAITING.get(lang)), *_lines(waiting, lang)]
    return {"type": "home", "blocks": blocks}


def _lines(lines: list[str], lang: Lang) -> list[Block]:
    if not lines:
        return [context_block([HOME_NONE.get(lang)], escaped=True)]
    return [section(escape("\n".join(lines[:40]))[:2900])]
