"""Slack's mrkdwn markup: escaping what we send, and reading what people typed.

Slack gives three characters a control meaning: `<` starts a mention, channel link, special
mention (`<!channel>`) or link (`<http://evil|nice>`); `>` ends one; `&` starts an escape. Any
text that did not come from our own code is escaped before it goes into a message, so a question
echoed back can never ping `@channel`, mention a person, or disguise a link.
"""

from __future__ import annotations

import re

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKUP = re.compile(r"<([^<>]*)>")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def escape(text: str) -> str:
    """`text` with &, < and > escaped, safe to place in any mrkdwn or plain_text field."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and > in text it delivers."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escaped_length(text: str) -> int:
    """How long `text` is once escaped."""
    return len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def escape_chunks(text: str, limit: int) -> list[str]:
    """`text` escaped and cut into pieces of at most `limit` characters, never inside an escape.

    Cuts prefer a line break or a space near the end of a piece, so words stay whole.
    """
    pieces: list[str] = []
    rest = text
    while rest:
        cut = _cut_point(rest, limit)
        pieces.append(escape(rest[:cut]))
        rest = rest[cut:]
    return pieces


def _cut_point(text: str, limit: int) -> int:
    """The longest prefix of `text` whose escaped form fits `limit`, ending at a break if near."""
    if escaped_length(text) <= limit:  # the usual case, counted without a Python loop
        return len(text)
    size, end = 0, 0
    for end, char in enumerate(text, start=1):
        size += len(_ESCAPES.get(char, char))
        if size > limit:
            end -= 1
            break
    else:
        return len(text)
    for breaker in ("\n", " "):
        at = text.rfind(breaker, 0, end)
        if at >= end * 4 // 5:
            return at + 1
    return max(end, 1)


def to_plain(text: str, *, bot_user_id: str | None = None) -> str:
    """What a person typed, from Slack's delivered text: markup resolved, entities unescaped.

    Mentions of the bot itself disappear; other mentions and links become their label, so the
    matcher reads words rather than ids.
    """
    plain = _MARKUP.sub(lambda m: _plain_markup(m.group(1), bot_user_id), text)
    return unescape(plain).strip()


def _plain_markup(inner: str, bot_user_id: str | None) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        if bot_user_id is not None and target[1:] == bot_user_id:
            return ""
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return label or "@" + target[1:].split("^")[0]
    return label or target


def user_mention(user_id: str) -> str:
    """A mention of `user_id` (made by us, never from user text); empty for a malformed id."""
    return f"<@{user_id}>" if _USER_ID.match(user_id) else ""
