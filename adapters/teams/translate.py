"""Teams activities (their JSON form) to the core's types, and back to plain data.

Pure functions over the activity as Teams sends it (camelCase JSON), so they hold no SDK types
and a later SDK swap leaves them as they are. `check_shape` guards the route: a body that does
not look like an activity is refused with 400 before anything else reads it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from adapters.teams import cards
from adapters.teams.ports import StoredReference
from bot.models import IncomingMessage, Lang, UserRef
from bot.text import has_unstorable_text

PLATFORM = "teams"
PERSONAL = "personal"
MAX_CLAUSE_ID = 20
REMEMBERED_TYPES = frozenset({"message", "installationUpdate", "conversationUpdate"})
MAX_GUID, MAX_CONVERSATION_TYPE, MAX_USER_ID = 64, 20, 200  # the teams_references columns

_AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_OPTIONAL_STRINGS = ("id", "text", "replyToId", "channelId", "locale", "textFormat", "name")
_ACCOUNTS = ("from", "recipient")

Json = dict[str, Any]


class MalformedActivity(ValueError):
    """The body is not an activity: not an object, no `type`, or fields of the wrong shape."""


@dataclass(frozen=True)
class CardAction:
    """A button press on one of our cards, read from the submit's `value`."""

    action: str
    clause: str = ""
    vote: str = ""
    lang: Lang = "nl"


def check_shape(body: Any) -> Json:
    """`body` if it has the shape of an activity (the fields we and the SDK read); else raise."""
    if not isinstance(body, dict):
        raise MalformedActivity("not an object")
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise MalformedActivity("type")
    if not _is_web_url(body.get("serviceUrl")):
        raise MalformedActivity("serviceUrl")
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not _is_id(conversation.get("id")):
        raise MalformedActivity("conversation")
    for name in _OPTIONAL_STRINGS:
        if not isinstance(body.get(name), str | None):
            raise MalformedActivity(name)
    for name in _ACCOUNTS:
        _check_account(name, body.get(name))
    _check_optional_objects(body)
    if has_unstorable_text(body):
        raise MalformedActivity("text")
    return body


def _is_id(value: Any) -> bool:
    """A non-empty, printable ASCII string, as Teams' ids are: the SDK puts the conversation id
    in the connector's URLs and in a header (x-ms-conversation-id), where other text fails."""
    if not isinstance(value, str):
        return False
    return bool(value.strip()) and value.isascii() and value.isprintable()


def _is_web_url(value: Any) -> bool:
    """An http(s) URL with a host (the SDK posts the reply there)."""
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        return False
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 address)
        return False


def _check_account(name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not isinstance(value.get("id"), str | None):
        raise MalformedActivity(name)
    for key in ("name", "aadObjectId", "role"):
        if not isinstance(value.get(key), str | None):
            raise MalformedActivity(f"{name}.{key}")


def _check_optional_objects(body: Json) -> None:
    conversation = body["conversation"]
    for key in ("conversationType", "tenantId", "name"):
        if not isinstance(conversation.get(key), str | None):
            raise MalformedActivity(f"conversation.{key}")
    channel_data = body.get("channelData")
    if not isinstance(channel_data, dict | None):
        raise MalformedActivity("channelData")
    if channel_data is not None and not isinstance(channel_data.get("tenant"), dict | None):
        raise MalformedActivity("channelData.tenant")
    entities = body.get("entities")
    if entities is not None and (
        not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities)
    ):
        raise MalformedActivity("entities")


def conversation_type(activity: Json) -> str:
    """`personal`, `channel` or `groupChat` (personal when Teams does not say)."""
    value = (activity.get("conversation") or {}).get("conversationType")
    return value if isinstance(value, str) and value else PERSONAL


def is_personal(activity: Json) -> bool:
    """Whether the activity comes from a one-to-one chat with the bot."""
    return conversation_type(activity) == PERSONAL


def user_ref(activity: Json) -> UserRef | None:
    """Who sent the activity: keyed by AAD object id where Teams gives one."""
    sender = activity.get("from") or {}
    user_id = sender.get("aadObjectId") or sender.get("id")
    if not isinstance(user_id, str) or not user_id:
        return None
    return UserRef(platform=PLATFORM, user_id=user_id, display_name=sender.get("name") or "")


def message_text(activity: Json) -> str:
    """What the person typed, with the @mention of the bot removed.

    The mention entities say which `<at>…</at>` text names the bot; it is removed literally
    (never used as a regex). Mentions of other people keep their name, without the tags.
    """
    text = activity.get("text") or ""
    bot_id = (activity.get("recipient") or {}).get("id")
    for entity in activity.get("entities") or []:
        mentioned = entity.get("mentioned")
        if str(entity.get("type", "")).lower() != "mention" or not isinstance(mentioned, dict):
            continue
        said = entity.get("text")
        if bot_id and mentioned.get("id") == bot_id and isinstance(said, str) and said:
            text = text.replace(said, " ")
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    return " ".join(html.unescape(text).split())


def incoming_message(activity: Json) -> IncomingMessage | None:
    """The message for the core; None when the sender cannot be identified."""
    user = user_ref(activity)
    if user is None:
        return None
    return IncomingMessage(
        text=message_text(activity), user=user, conversation=conversation_key(activity)
    )


def conversation_key(activity: Json) -> str:
    """The key of the conversation's context: the Teams conversation id, which in a channel
    names the reply chain ("19:…@thread.tacv2;messageid=…"); empty when there is none."""
    conversation = activity.get("conversation") or {}
    found = conversation.get("id") if isinstance(conversation, dict) else None
    return f"teams:{found}"[:200] if isinstance(found, str) and found else ""


def card_action(activity: Json) -> CardAction | None:
    """The button press carried by a submit's `value`; None when it is not one of ours."""
    value = activity.get("value")
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, str) or action not in cards.HANDLED_ACTIONS:
        return None
    clause = value.get("clause")
    vote = value.get("vote")
    return CardAction(
        action=action,
        clause=clause[:MAX_CLAUSE_ID] if isinstance(clause, str) else "",
        vote=vote if vote in ("up", "down") else "",
        lang="en" if value.get("lang") == "en" else "nl",
    )


def is_submit(activity: Json) -> bool:
    """Whether a message activity is a card submit (it carries `value`) rather than text."""
    return activity.get("value") is not None


def stored_reference(activity: Json, reference: Json) -> StoredReference | None:
    """What to remember to reach the sender later; None without an AAD object id, or with ids
    longer than Teams gives (and the database holds: `bot/store/teams.py`)."""
    sender = activity.get("from") or {}
    aad_object_id = sender.get("aadObjectId")
    if not isinstance(aad_object_id, str) or not aad_object_id:
        return None
    conversation = activity["conversation"]
    tenant = conversation.get("tenantId") or (
        (activity.get("channelData") or {}).get("tenant") or {}
    ).get("id")
    stored = StoredReference(
        aad_object_id=aad_object_id,
        user_id=str(sender.get("id") or ""),
        conversation_id=conversation["id"],
        conversation_type=conversation_type(activity),
        service_url=activity["serviceUrl"],
        tenant_id=tenant if isinstance(tenant, str) else "",
        reference=reference,
    )
    return stored if _fits_storage(stored) else None


def _fits_storage(stored: StoredReference) -> bool:
    """Whether the ids fit their columns (an AAD object id or a tenant id is a 36-letter GUID)."""
    return (
        len(stored.aad_object_id) <= MAX_GUID
        and len(stored.tenant_id) <= MAX_GUID
        and len(stored.conversation_type) <= MAX_CONVERSATION_TYPE
        and len(stored.user_id) <= MAX_USER_ID
    )
