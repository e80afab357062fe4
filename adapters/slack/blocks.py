"""Block Kit rendering: pure functions from a platform-free `Reply` to a Slack message.

Every text that reaches mrkdwn is escaped (see `mrkdwn.py`), whether it came from a person or
from the knowledge files. Slack's limits are respected by construction: section and context
texts at most 3,000 characters, button labels at most 75, values at most 2,000, and well under
50 blocks per message (`tests/slack/test_blocks.py` checks this with hypothesis).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from adapters.slack.mrkdwn import escape, escape_chunks, unescape, user_mention
from bot.models import Button, Lang, Localized, Quote, Reply

Block = dict[str, Any]

TEXT_LIMIT = 3000
BUTTON_LIMIT = 75
VALUE_LIMIT = 2000
SHARE_LIMIT = 1900  # under VALUE_LIMIT: Slack may count characters outside the BMP twice
ACTION_ID_LIMIT = 255
MAX_TEXT_SECTIONS = 8
MAX_QUOTE_SECTIONS = 4
MAX_BUTTONS = 20
MAX_NOTES = 5
ECHO_LIMIT = 300
ELLIPSIS = "…"

# Action ids this module puts on buttons; `app.py` registers a listener for each.
SHOW_CLAUSE = "show_clause"
FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE = "share_answer"
DOUBT_CHECK = "doubt_check"
ESCALATE = "escalate"

CHOICES_BLOCK = "choices"
FEEDBACK_BLOCK = "feedback"
ANSWER_KINDS = frozenset({"answer", "did_you_mean"})

FEEDBACK_THANKS = "Bedankt voor je feedback! / Thanks for your feedback!"
COMING_SOON = "Deze stap komt binnenkort in Slack. / This step is coming to Slack soon."
SHARE_LABEL = Localized(nl="Deel in het kanaal", en="Share in channel")
HELPFUL_LABEL = Localized(nl="👍 Nuttig", en="👍 Helpful")
UNHELPFUL_LABEL = Localized(nl="👎 Niet nuttig", en="👎 Not helpful")
YOUR_QUESTION = Localized(nl="Je vraag:", en="Your question:")
ASKED = Localized(nl="{user} vroeg:", en="{user} asked:")


@dataclass(frozen=True)
class SlackMessage:
    """A rendered message: Block Kit blocks and the plain-text fallback Slack requires."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_payload(self) -> dict[str, Any]:
        """The message as chat.postMessage / response_url arguments."""
        return {"text": self.text, "blocks": self.blocks}


def render(
    reply: Reply,
    *,
    question: str | None = None,
    asked_by: str | None = None,
    share_value: str | None = None,
) -> SlackMessage:
    """The Slack message for `reply`.

    `question` (what the person typed) is echoed above the answer, credited to `asked_by` (a
    user id) when given; `share_value` adds a "share in channel" button carrying it.
    """
    return SlackMessage(
        text=fallback_text(reply),
        blocks=reply_blocks(reply, question=question, asked_by=asked_by, share_value=share_value),
    )


def reply_blocks(
    reply: Reply,
    *,
    question: str | None = None,
    asked_by: str | None = None,
    share_value: str | None = None,
) -> list[Block]:
    """The blocks for `reply`: notes, echo, answer, quote, why, buttons, feedback."""
    blocks = notes_blocks(reply.notes)
    if question:
        blocks.append(echo_block(question, reply.lang, asked_by=asked_by))
    blocks += text_sections(reply.text, MAX_TEXT_SECTIONS)
    if reply.kind in ANSWER_KINDS:
        blocks += answer_details(reply)
    blocks += choice_blocks(reply, share_value=share_value)
    if reply.kind in ANSWER_KINDS and reply.clause_id:
        blocks.append(feedback_block(reply.clause_id, reply.lang))
    return blocks


def answer_details(reply: Reply) -> list[Block]:
    """The quoted clause and the "why this answer" line."""
    blocks = quote_sections(reply.quote) if reply.quote else []
    if reply.explanation:
        blocks.append(context_block([reply.explanation]))
    return blocks


def text_sections(text: str, max_sections: int) -> list[Block]:
    """`text` as mrkdwn sections of at most 3,000 characters; an overlong text ends in "…"."""
    pieces = escape_chunks(text, TEXT_LIMIT - len(ELLIPSIS)) or [ELLIPSIS]
    if len(pieces) > max_sections:
        pieces = pieces[:max_sections]
        pieces[-1] += ELLIPSIS
    return [section(piece) for piece in pieces]


def quote_sections(quote: Quote) -> list[Block]:
    """The clause quoted with its number, section and title, as blockquote sections."""
    heading = escape_chunks(_clip(f"{quote.number} · {quote.section} — {quote.title}", 300), 1000)
    header = f"*{heading[0]}*\n" if heading else ""
    # Each line gains a ">" marker, so a piece of n escaped characters renders as at most 2n.
    room = (TEXT_LIMIT - len(header) - len(ELLIPSIS)) // 2
    pieces = escape_chunks(quote.text, room) or [ELLIPSIS]
    if len(pieces) > MAX_QUOTE_SECTIONS:
        pieces = pieces[:MAX_QUOTE_SECTIONS]
        pieces[-1] += ELLIPSIS
    quoted = [">" + piece.replace("\n", "\n>") for piece in pieces]
    quoted[0] = header + quoted[0]
    return [section(text) for text in quoted]


def notes_blocks(notes: tuple[str, ...]) -> list[Block]:
    """Notes (e.g. "your message was clipped") as one context block; none when there are none."""
    return [context_block(list(notes[:MAX_NOTES]))] if notes else []


def echo_block(question: str, lang: Lang, *, asked_by: str | None = None) -> Block:
    """A context line repeating the question (escaped, clipped), credited to `asked_by`."""
    mention = user_mention(asked_by) if asked_by else ""
    label = ASKED.get(lang).format(user=mention) if mention else YOUR_QUESTION.get(lang)
    clipped = escape_chunks(_clip(" ".join(question.split()), ECHO_LIMIT), TEXT_LIMIT)
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"{label} _{clipped[0] if clipped else ''}_"}],
    }


def choice_blocks(reply: Reply, *, share_value: str | None = None) -> list[Block]:
    """The reply's buttons (other answers, B.3/B.2) and the share button, in one actions block."""
    elements = _buttons(reply.buttons[:MAX_BUTTONS])
    if share_value is not None:
        elements.append(button(SHARE_LABEL.get(reply.lang), SHARE, share_value, style="primary"))
    if not elements:
        return []
    choices = block_id(CHOICES_BLOCK, reply.lang)
    return [{"type": "actions", "block_id": choices, "elements": elements}]


def feedback_block(clause_id: str, lang: Lang) -> Block:
    """👍/👎 buttons; their value is the clause the answer rests on."""
    return {
        "type": "actions",
        "block_id": block_id(FEEDBACK_BLOCK, lang),
        "elements": [
            button(HELPFUL_LABEL.get(lang), FEEDBACK_UP, clause_id),
            button(UNHELPFUL_LABEL.get(lang), FEEDBACK_DOWN, clause_id),
        ],
    }


def with_feedback_thanks(blocks: list[Block]) -> list[Block]:
    """`blocks` with the feedback buttons replaced by a thank-you line."""
    thanks = context_block([FEEDBACK_THANKS], escaped=True)
    return [thanks if _is_feedback_block(block) else block for block in blocks]


def notice(text: str) -> SlackMessage:
    """A one-line message of our own (already safe, bilingual)."""
    return SlackMessage(text=text, blocks=[section(text)])


def fallback_text(reply: Reply) -> str:
    """The plain-text `text` of the message: what notifications and old clients show."""
    parts = [*reply.notes, reply.text]
    if reply.quote:
        parts.append(f"({reply.quote.number})")
    pieces = escape_chunks("\n".join(parts), TEXT_LIMIT)
    return pieces[0] if pieces and pieces[0].strip() else ELLIPSIS


def section(text: str) -> Block:
    """A section block with mrkdwn `text` (already escaped)."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text if text.strip() else ELLIPSIS},
    }


def context_block(texts: list[str], *, escaped: bool = False) -> Block:
    """A context block, one mrkdwn element per text (escaped here unless `escaped`)."""
    elements = []
    for text in texts:
        safe = text if escaped else (escape_chunks(text, TEXT_LIMIT) or [ELLIPSIS])[0]
        elements.append({"type": "mrkdwn", "text": safe if safe.strip() else ELLIPSIS})
    return {"type": "context", "elements": elements}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A button; the label is clipped to Slack's 75 characters, the value to 2,000."""
    text = _clip(" ".join(label.split()), BUTTON_LIMIT) or ELLIPSIS
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id[:ACTION_ID_LIMIT],
    }
    if value:  # Slack refuses an empty value; a button without one is fine
        element["value"] = value[:VALUE_LIMIT]
    if style:
        element["style"] = style
    return element


def block_id(kind: str, lang: Lang) -> str:
    """A block id that also carries the reply's language, for the button handlers."""
    return f"{kind}|{lang}"


def lang_of(block_id_value: object) -> Lang:
    """The language stored in a block id by `block_id` (Dutch when absent)."""
    return "en" if isinstance(block_id_value, str) and block_id_value.endswith("|en") else "nl"


def share_payload(question: str) -> str:
    """The value of the share button: the question as typed, escaped, clipped to fit the value.

    Escaped even here, where Slack does not render it, so no copy of a question anywhere in a
    message we send can contain a live mention or link.
    """
    clipped = escape(question)
    while len(value := json.dumps({"q": clipped}, ensure_ascii=False)) > SHARE_LIMIT:
        clipped = clipped[: len(clipped) - (len(value) - SHARE_LIMIT) - 1]
    return value


def read_share_payload(value: object) -> str | None:
    """The question stored by `share_payload`, or None when the value is not one."""
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    question = data.get("q") if isinstance(data, dict) else None
    return unescape(question) if isinstance(question, str) else None


def _buttons(buttons: tuple[Button, ...]) -> list[Block]:
    """Buttons with action ids unique within their block (Slack rejects duplicates)."""
    seen: dict[str, int] = {}
    elements = []
    for item in buttons:
        seen[item.action] = seen.get(item.action, 0) + 1
        count = seen[item.action]
        action_id = item.action if count == 1 else f"{item.action}:{count}"
        elements.append(button(item.label, action_id, item.value))
    return elements


def _is_feedback_block(block: Block) -> bool:
    return str(block.get("block_id", "")).startswith(FEEDBACK_BLOCK + "|")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
