"""SlackPort: the dispatcher's ChatPort on Slack (direct messages, threads, updates).

It runs in the dispatcher's thread, so it uses slack_sdk's synchronous `WebClient`, without
retry handlers: a 429, a 5xx or a timeout raises, and the outbox retries with its backoff.

Exactly once: before posting, the conversation is recorded with the idempotency key
(`sent_messages`), and the key travels in the message's `metadata` (as a hash: keys name
people). After a crash, `find_sent` searches that conversation (`conversations.history`, or
`conversations.replies` in a thread) for the key, so a retry does not post twice.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from adapters.slack import blocks
from bot.clock import Clock, SystemClock
from bot.models import Lang, Reply
from bot.outbox_keys import request_id_of
from bot.ports import Recipient, RetryLater
from bot.store.db import Store
from bot.store.platform import remember_sending, where_sent
from bot.workflows.escalation import escalation_buttons

EVENT_TYPE = "policybot_message"
STATUS_BLOCK = "escalation_status"
ACTIONS_BLOCK = "escalation_actions"
TYPED_CHOICES = re.compile(r"^(Kies|Choose): /")
SEARCH_LIMIT = 200
RATE_LIMITED = 429
CALLS_BEFORE_POSTED = 4  # at most: find_sent, users.lookupByEmail, conversations.open, the post


class SlackDeliveryError(Exception):
    """A Web API call failed; the message says which method and Slack's error code only."""


class SlackRateLimited(SlackDeliveryError, RetryLater):
    """HTTP 429: the outbox waits at least Slack's Retry-After before the next attempt."""


@dataclass(frozen=True)
class ThreadState:
    """What the escalation thread's parent message shows: status and whether it is open."""

    request_id: int
    status: str
    buttons: bool
    thread: str | None


StateLookup = Callable[[int], ThreadState | None]


def key_digest(key: str) -> str:
    """The form of an idempotency key that goes into Slack (keys contain email addresses)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def key_metadata(key: str) -> dict[str, Any]:
    """The message metadata that carries `key` (as its digest), for `find_sent`."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key_digest(key)}}


def split_ref(ref: str) -> tuple[str, str]:
    """A message ref "channel:ts" as (channel, ts)."""
    channel, _, ts = ref.partition(":")
    if not channel or not ts:
        raise SlackDeliveryError("malformed message ref")
    return channel, ts


class SlackPort:
    """Delivers outbox messages to Slack; refs are "channel:ts"."""

    platform = "slack"

    def __init__(
        self,
        client: WebClient,
        store: Store,
        *,
        state_of: StateLookup | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.state_of = state_of or (lambda _request_id: None)
        self.clock = clock or SystemClock()
        self._user_ids: dict[str, str] = {}
        self._dms: dict[str, str] = {}

    @property
    def lease_seconds(self) -> float:
        """How long one delivery may take until its post has surely landed or failed.

        The dispatcher leases a row at least this long: another process must not take it over
        (and post it again) while this one's post may still reach Slack.
        """
        timeout = self.client.timeout or 0
        return float(CALLS_BEFORE_POSTED * timeout + 1)

    # --- ChatPort ------------------------------------------------------------------------------

    def send(self, recipient: Recipient, message: Reply, *, key: str) -> str:
        """A direct message; an escalation's reminder goes into its thread instead, and a retry
        where the first attempt went (an answer kept by adapters.slack.answers: its thread)."""
        user = self.user_id(recipient)
        thread = self._reminder_thread(key)
        if thread is not None:
            channel, ts = split_ref(thread)
            return self._post(key, channel, render(message, mention=user), thread=ts)
        earlier = where_sent(self.store, key)
        if earlier is not None:
            return self._post(key, earlier.channel, render(message), thread=earlier.thread)
        return self._post(key, self._dm(user), render(message))

    def open_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str | None
    ) -> str:
        """A parent message in the school's channel, else in a group DM with everyone."""
        where = channel or self._group_dm([self.user_id(p) for p in participants])
        rendered = render(message)
        state = self._state(key)
        if state is not None:
            rendered = with_status(rendered, state, message.lang)
        return self._post(key, where, rendered)

    def post_in_thread(
        self, thread: str, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        """A reply in the thread; then the parent message shows the new status."""
        channel, ts = split_ref(thread)
        ref = self._post(key, channel, render(message), thread=ts)
        self.refresh_parent(thread, key, message.lang)
        return ref

    def update(self, message_ref: str, recipient: Recipient, message: Reply, *, key: str) -> str:
        """chat.update: the message is replaced (its buttons disappear)."""
        channel, ts = split_ref(message_ref)
        rendered = render(message)
        self._call(
            "chat_update", channel=channel, ts=ts, text=rendered.text, blocks=rendered.blocks
        )
        return message_ref

    def find_sent(self, key: str) -> str | None:
        """The ref of a message posted earlier with `key`, found by its metadata."""
        sent = where_sent(self.store, key)
        if sent is None:
            return None
        if sent.thread:
            found = self._call(
                "conversations_replies",
                channel=sent.channel,
                ts=sent.thread,
                include_all_metadata=True,
                limit=SEARCH_LIMIT,
            )
        else:
            found = self._call(
                "conversations_history",
                channel=sent.channel,
                include_all_metadata=True,
                limit=SEARCH_LIMIT,
            )
        for item in found.get("messages") or []:
            if _digest_of(item) == key_digest(key):
                return f"{sent.channel}:{item['ts']}"
        return None

    # --- the escalation thread's parent ----------------------------------------------------------

    def refresh_parent(self, thread: str, key: str, lang: str = "nl") -> None:
        """Rewrite the parent's status line and buttons from the request's current state."""
        state = self._state(key)
        if state is None:
            return
        channel, ts = split_ref(thread)
        found = self._call("conversations_replies", channel=channel, ts=ts, limit=1)
        messages = found.get("messages") or []
        if not messages:
            return
        parent = blocks.SlackMessage(messages[0].get("text") or "", messages[0].get("blocks") or [])
        updated = with_status(parent, state, "en" if lang == "en" else "nl")
        self._call("chat_update", channel=channel, ts=ts, text=updated.text, blocks=updated.blocks)

    # --- plumbing -------------------------------------------------------------------------------

    def user_id(self, recipient: Recipient) -> str:
        """The recipient's Slack id: from the org file, else looked up by email (cached)."""
        if recipient.platform_id:
            return recipient.platform_id
        if recipient.email not in self._user_ids:
            found = self._call("users_lookupByEmail", email=recipient.email)
            self._user_ids[recipient.email] = str(found["user"]["id"])
        return self._user_ids[recipient.email]

    def _dm(self, user: str) -> str:
        if user not in self._dms:
            self._dms[user] = self._open([user])
        return self._dms[user]

    def _group_dm(self, users: list[str]) -> str:
        return self._open(sorted(set(users)))

    def _open(self, users: list[str]) -> str:
        opened = self._call("conversations_open", users=",".join(users))
        return str(opened["channel"]["id"])

    def _post(
        self, key: str, channel: str, message: blocks.SlackMessage, *, thread: str | None = None
    ) -> str:
        remember_sending(
            self.store,
            key,
            platform=self.platform,
            channel=channel,
            thread=thread,
            moment=self.clock.now(),
        )
        posted = self._call(
            "chat_postMessage",
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread,
            metadata=key_metadata(key),
        )
        return f"{posted.get('channel') or channel}:{posted['ts']}"

    def _state(self, key: str) -> ThreadState | None:
        number = request_id_of(key)
        return self.state_of(number) if number is not None else None

    def _reminder_thread(self, key: str) -> str | None:
        if ":reminder:" not in key:
            return None
        state = self._state(key)
        return state.thread if state is not None else None

    def _call(self, method: str, **arguments: Any) -> Any:
        try:
            response = getattr(self.client, method)(**arguments)
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", "-")
            code = _error_code(exc.response)
            if status == RATE_LIMITED:
                wait = _retry_after(exc.response)
                raise SlackRateLimited(f"{method}: rate limited", retry_after=wait) from None
            raise SlackDeliveryError(f"{method}: error={code} status={status}") from None
        return response.data if hasattr(response, "data") else response


def _retry_after(response: Any) -> float:
    """Slack's Retry-After header in seconds (0 when absent or unreadable)."""
    headers = getattr(response, "headers", None) or {}
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), "0")
    try:
        return float(value[0] if isinstance(value, list) else value)
    except (TypeError, ValueError):
        return 0.0


def render(message: Reply, *, mention: str | None = None) -> blocks.SlackMessage:
    """Block Kit for a notification; `mention` (a user id) is named in front."""
    rendered = blocks.render(without_typed_choices(message))
    if mention is None:
        return rendered
    tag = blocks.context_block([f"<@{mention}>"], escaped=True)
    return blocks.SlackMessage(rendered.text, [tag, *rendered.blocks])


def without_typed_choices(message: Reply) -> Reply:
    """A message with buttons, without the line that spells them out as typed commands.

    The domain's texts end in "Kies: /akkoord 12 ..." for the terminal, where buttons are
    numbers; in Slack the buttons are there, and those commands are not.
    """
    if not message.buttons:
        return message
    kept = [line for line in message.text.split("\n") if not TYPED_CHOICES.match(line)]
    return replace(message, text="\n".join(kept).rstrip())


def with_status(message: blocks.SlackMessage, state: ThreadState, lang: str) -> blocks.SlackMessage:
    """`message` with its status line (and the buttons while the escalation is open)."""
    kept = [b for b in message.blocks if not _is_status_block(b)]
    kept.append(blocks.context_block([f"Status: *{state.status}*"], escaped=True))
    kept[-1]["block_id"] = STATUS_BLOCK
    if state.buttons:
        kept.append(
            {
                "type": "actions",
                "block_id": f"{ACTIONS_BLOCK}|{lang}",
                "elements": status_buttons(state.request_id, lang),
            }
        )
    return blocks.SlackMessage(message.text, kept)


def status_buttons(request_id: int, lang: str) -> list[blocks.Block]:
    """Acknowledge / Resolve, from the domain's own buttons."""
    chosen: Lang = "en" if lang == "en" else "nl"
    return [
        blocks.button(b.label, b.action, b.value) for b in escalation_buttons(request_id, chosen)
    ]


def _is_status_block(block: blocks.Block) -> bool:
    block_id = str(block.get("block_id", ""))
    return block_id == STATUS_BLOCK or block_id.startswith(ACTIONS_BLOCK)


def _digest_of(message: Any) -> str | None:
    metadata = message.get("metadata") if isinstance(message, dict) else None
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    key = payload.get("key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


def _error_code(response: Any) -> str:
    try:
        return str(response.get("error") or "-")
    except (AttributeError, ValueError):
        return "-"
