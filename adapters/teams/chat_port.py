"""TeamsChat: the dispatcher's ChatPort on Microsoft Teams (proactive messages, threads, updates).

The dispatcher runs in a thread of its own; botbuilder is asynchronous, so the port owns an event
loop and runs each call to completion on it. Messages go out with the SDK's
`continue_conversation(reference, callback, bot_app_id)` using the conversation references the
bot stored (`DbConversationReferences`, keyed by AAD object id = the org file's `teams_id`).
An escalation thread in a school's channel is started with `create_conversation`.

Failures: a 429, a 5xx or a network error raises `TeamsDeliveryError`, and the outbox retries
with its backoff. A recipient the bot cannot reach (no stored reference, or the connector's 403
BotNotInConversationRoster: the app is not installed for them) raises `RecipientUnreachable`,
after calling `on_unreachable(key, recipient)` (see `adapters.teams.unreachable`): the staff
member is told, the deputy is asked, and the row itself is retried like any failure, so it is
delivered as soon as the person installs the app (until the outbox's maximum attempts).

Leases: the dispatcher leases a row for `lease_seconds` before calling the port, and no other
process takes it until then. One connector call takes at most `call_seconds` (the dispatcher's
clients have a timeout and no retries of their own, `adapters.teams.reuse.CallLimits`), and a
delivery may make several calls (a message to each participant, then their status cards). So the
port starts no call that could still be running when the lease ends: it stops with
`LeaseEnding`, the outbox retries the row, and the retry skips what was already sent.

The escalation's card in a school's channel (`ThreadViews`) shows the text and the status to
everyone, and refreshes (Universal Actions) to the deciders' view with the decision buttons for
the Teams user ids of the school's directors and deputies; the bot answers that refresh
(`adapters.teams.bot`). The deciders are named only when the port knows the org (`org=`);
without it the card names no one, so Teams refreshes it for no one by itself, and a decider gets
the buttons from the message's "Refresh" menu item, or in their personal notification.

Refs are "teams:<id>" of a row in `teams_messages` (conversation id and activity id are too long
for the outbox's ref column). A thread is "teams:<id>" (the channel thread's first message) or
"teams-dm:<id>,<id>" (the personal status messages of each participant, when the school has no
escalation channel). Exactly once is "at least once, almost always once": the key is recorded
right after a send, and a retry with a recorded key does not send again; a crash between the send
and that record sends twice (Teams offers no way to search a conversation for a key).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import TurnContext  # type: ignore[import-untyped]
from botbuilder.schema import (  # type: ignore[import-untyped]
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError
from sqlalchemy import select

from adapters.teams import forms
from adapters.teams.cards import CONTENT_TYPE, is_card_reply, render_card, summary
from adapters.teams.ports import ConversationReferenceStore, StoredReference
from bot.models import Lang, Reply
from bot.org import Org, School
from bot.outbox_keys import loggable, request_id_of
from bot.ports import Recipient, RetryLater
from bot.store.db import Store
from bot.store.models import RequestRow
from bot.store.teams import TeamsMessageRow
from bot.workflows import texts
from bot.workflows.base import FINAL_STATES
from bot.workflows.escalation import escalation_buttons

LOG = logging.getLogger("policybot.teams.port")
CHANNEL_THREAD, PERSONAL_THREAD = "teams:", "teams-dm:"
NOT_IN_ROSTER = 403

Unreachable = Callable[[str, Recipient], None]


RATE_LIMITED = 429
CALLS_PER_LEASE = 6  # connector calls one lease covers: a reply to 3 people and their status cards
LEASE_MARGIN = 1.0  # seconds between the dispatcher's claim and the port's first call


class TeamsDeliveryError(Exception):
    """A connector call failed (429, 5xx, network): the outbox retries it."""


class TeamsRateLimited(TeamsDeliveryError, RetryLater):
    """HTTP 429: the outbox waits at least the connector's Retry-After before retrying."""


def _retry_after(response: Any) -> float:
    """The Retry-After header of a connector response, in seconds (0 when absent)."""
    headers = getattr(response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After", 0))
    except (TypeError, ValueError):
        return 0.0


class LeaseEnding(TeamsDeliveryError):
    """The next connector call might outlast the row's lease: the rest waits for a retry."""


class RecipientUnreachable(TeamsDeliveryError):
    """The bot cannot reach this person in Teams (no reference, or 403 not in the roster)."""


@dataclass(frozen=True)
class Sent:
    """Where a message went: enough to post after it or update it."""

    ref: str
    conversation_id: str
    reference: dict[str, Any]


class TeamsChat:
    """Delivers outbox messages to Teams through a botbuilder CloudAdapter."""

    platform = "teams"

    def __init__(
        self,
        adapter: Any,
        references: ConversationReferenceStore,
        store: Store,
        *,
        app_id: str,
        call_seconds: float,
        on_unreachable: Unreachable | None = None,
        timer: Callable[[], float] = time.monotonic,
        org: Org | None = None,
    ) -> None:
        self.adapter = adapter
        self.references = references
        self.store = store
        self.views = ThreadViews(store, references, org)  # the channel card's deciders
        self.app_id = app_id
        self.call_seconds = call_seconds
        self.on_unreachable = on_unreachable or (lambda _key, _recipient: None)
        self.timer = timer  # seconds, for the lease
        self._loop = asyncio.new_event_loop()
        self._lease_started = timer()

    @property
    def lease_seconds(self) -> float:
        """How long the dispatcher leases a row: `CALLS_PER_LEASE` calls of `call_seconds`."""
        return CALLS_PER_LEASE * self.call_seconds + LEASE_MARGIN

    def close(self) -> None:
        """Close the port's event loop (at shutdown)."""
        self._loop.close()

    # --- ChatPort ------------------------------------------------------------------------------

    def send(self, recipient: Recipient, message: Reply, *, key: str) -> str:
        """A personal message (a card) to one person."""
        self._start_lease()
        done = self.find_sent(key)
        if done is not None:
            return done
        reference = self._reference_of(recipient, key)
        try:
            return self._send(key, reference.reference, message).ref
        except RecipientUnreachable:
            self.on_unreachable(key, recipient)
            raise

    def open_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str | None
    ) -> str:
        """A new thread in the school's channel mentioning everyone; else personal status cards."""
        self._start_lease()
        done = self.find_sent(key)
        if done is not None:
            return done
        if channel:
            return self._open_channel_thread(participants, message, key=key, channel=channel)
        message = self._with_status_buttons(message, key)
        return self._open_personal_threads(participants, message, key=key)

    def post_in_thread(
        self, thread: str, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        """A reply in the channel thread (or to each participant); then the status card(s).

        Each reply is recorded under a key of its own ("<key>#<n>"), and `key` itself only once
        the status cards show the new state too: a retry after a crash or an ended lease finds
        what was sent and does the rest, and `find_sent(key)` means the whole post is done.
        """
        self._start_lease()
        roots = self._roots(thread)
        refs = [
            self.find_sent(f"{key}#{index}")
            or self._send(f"{key}#{index}", root.reference, message).ref
            for index, root in enumerate(roots)
        ]
        self.refresh_status(thread, key)
        first = self._row(refs[0])
        return self._record(
            key, first.conversation_id, first.activity_id, first.reference, first.text
        ).ref

    def update(self, message_ref: str, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Replace a card sent earlier in place (update_activity); its buttons disappear."""
        self._start_lease()
        row = self._row(message_ref)
        self._update(row, forms.notification_card(message))
        return message_ref

    def find_sent(self, key: str) -> str | None:
        """The ref of a message already sent with `key` (recorded right after sending)."""
        with self.store.transaction() as session:
            row = session.scalars(select(TeamsMessageRow).where(TeamsMessageRow.key == key)).first()
        if row is None:
            return None
        if (row.text or "").startswith(PERSONAL_THREAD) and not row.conversation_id:
            return row.text  # an escalation thread made of personal status cards
        return f"{CHANNEL_THREAD}{row.id}"

    # --- escalation threads ---------------------------------------------------------------------

    def _open_channel_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str
    ) -> str:
        known = [self._stored(p) for p in participants]
        base = next((r for r in known if r is not None), None)
        if base is None:
            raise RecipientUnreachable("no conversation reference to reach the channel with")
        mentions = tuple(
            (r.user_id if r is not None else p.platform_id or "", p.name)
            for p, r in zip(participants, known, strict=True)
        )
        card = self._channel_card(key, message.text, message.lang, mentions)
        conversation, activity_id = self._run(self._create_in_channel(base, channel, card))
        reference = {
            **base.reference,
            "conversation": {
                "id": conversation,
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": base.tenant_id,
            },
        }
        return self._record(key, conversation, activity_id, reference, message.text).ref

    def _open_personal_threads(
        self, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        ids: list[str] = []
        for index, person in enumerate(participants):
            stored = self._stored(person)
            if stored is None:
                continue
            sub_key = f"{key}#{index}"
            done = self.find_sent(sub_key)
            ids.append(done or self._send(sub_key, stored.reference, message, status_key=key).ref)
        if not ids:
            raise RecipientUnreachable("no participant can be reached in Teams")
        thread = PERSONAL_THREAD + ",".join(i.removeprefix(CHANNEL_THREAD) for i in ids)
        self._record(key, "", "", {}, thread)
        return thread

    def refresh_status(self, thread: str, key: str) -> None:
        """Rewrite the thread's status card(s) from the request's current state."""
        for root in self._root_rows(thread):
            if thread.startswith(PERSONAL_THREAD):
                message = Reply(kind="notice", lang="nl", text=root.text or "")
                message = self._with_status_buttons(message, key)
                card = forms.notification_card(message, status=self._status(key))
            else:
                card = self._channel_card(key, root.text or "", "nl")
            self._update(root, card)

    def _channel_card(
        self, key: str, text: str, lang: Lang, mentions: tuple[tuple[str, str], ...] = ()
    ) -> dict[str, Any]:
        """The channel thread's card as everyone sees it (`ThreadViews.card`)."""
        request = _request_of(self.store, key)
        if request is None or request.kind != "escalation":
            message = Reply(kind="notice", lang=lang, text=text)
            return forms.notification_card(message, status=self._status(key), mentions=mentions)
        return self.views.card(request, text, lang, mentions=mentions)

    def _with_status_buttons(self, message: Reply, key: str) -> Reply:
        request = _request_of(self.store, key)
        if request is None or request.kind != "escalation" or request.status in FINAL_STATES:
            return replace(message, buttons=())
        return replace(message, buttons=escalation_buttons(request.id, message.lang))

    def _status(self, key: str) -> str:
        request = _request_of(self.store, key)
        return "" if request is None else status_of(request)

    def _roots(self, thread: str) -> list[Sent]:
        return [
            Sent(f"{CHANNEL_THREAD}{r.id}", r.conversation_id, r.reference)
            for r in self._root_rows(thread)
        ]

    def _root_rows(self, thread: str) -> list[TeamsMessageRow]:
        if thread.startswith(PERSONAL_THREAD):
            ids = thread.removeprefix(PERSONAL_THREAD).split(",")
            return [self._row(CHANNEL_THREAD + i) for i in ids if i]
        return [self._row(thread)]

    # --- plumbing -------------------------------------------------------------------------------

    def _stored(self, recipient: Recipient) -> StoredReference | None:
        return self.references.get(recipient.platform_id) if recipient.platform_id else None

    def _reference_of(self, recipient: Recipient, key: str) -> StoredReference:
        stored = self._stored(recipient)
        if stored is None:
            LOG.warning("teams: no conversation reference for the recipient of %s", _ids(key))
            self.on_unreachable(key, recipient)
            raise RecipientUnreachable("no conversation reference")
        return stored

    def _send(
        self, key: str, reference: dict[str, Any], message: Reply, *, status_key: str = ""
    ) -> Sent:
        """Send `message` as a card; with `status_key`, with that request's status line."""
        status = self._status(status_key) if status_key else ""
        if is_card_reply(message):  # an answer kept for later (bot.kept_answers): its own card
            card = render_card(message)
        else:
            card = forms.notification_card(message, status=status)
        activity_id = self._run(self._continue(reference, card))
        conversation = str((reference.get("conversation") or {}).get("id") or "")
        return self._record(key, conversation, activity_id, reference, message.text)

    def _update(self, row: TeamsMessageRow, card: dict[str, Any]) -> None:
        self._run(self._continue(row.reference, card, activity_id=row.activity_id))

    def _record(
        self,
        key: str,
        conversation: str,
        activity_id: str,
        reference: dict[str, Any],
        text: str | None,
    ) -> Sent:
        with self.store.transaction() as session:
            row = TeamsMessageRow(
                key=key[:200],
                conversation_id=conversation,
                activity_id=activity_id,
                reference=reference,
                text=text,
                created_at=datetime.now(UTC),
            )
            session.add(row)
            session.flush()
            return Sent(f"{CHANNEL_THREAD}{row.id}", conversation, reference)

    def _row(self, ref: str) -> TeamsMessageRow:
        number = ref.removeprefix(CHANNEL_THREAD)
        with self.store.transaction() as session:
            row = session.get(TeamsMessageRow, int(number)) if number.isdigit() else None
        if row is None:
            raise TeamsDeliveryError("unknown message ref")
        return row

    def _start_lease(self) -> None:
        """The dispatcher has just leased a row for `lease_seconds`: its calls start now."""
        self._lease_started = self.timer()

    def _check_lease(self, work: Coroutine[Any, Any, Any]) -> None:
        """Refuse (and drop) a call that might still be running when the lease ends."""
        used = self.timer() - self._lease_started
        if used + self.call_seconds > CALLS_PER_LEASE * self.call_seconds:
            work.close()
            raise LeaseEnding(f"{used:.0f} s of the lease used")

    def _run(self, work: Coroutine[Any, Any, Any]) -> Any:
        """Run `work` on the port's own loop, turning connector errors into ours."""
        self._check_lease(work)
        try:
            return self._loop.run_until_complete(work)
        except HttpOperationError as exc:
            status = int(getattr(getattr(exc, "response", None), "status_code", 0) or 0)
            if status == NOT_IN_ROSTER:
                raise RecipientUnreachable("HTTP 403") from None
            if status == RATE_LIMITED:
                wait = _retry_after(getattr(exc, "response", None))
                raise TeamsRateLimited("HTTP 429", retry_after=wait) from None
            raise TeamsDeliveryError(f"HTTP {status}") from None
        except (ClientRequestError, OSError) as exc:
            raise TeamsDeliveryError(type(exc).__name__) from None

    async def _continue(
        self, reference: dict[str, Any], card: dict[str, Any], *, activity_id: str = ""
    ) -> str:
        """Send (or, with `activity_id`, update) `card` in the referenced conversation."""
        sent: dict[str, str] = {}
        activity = card_activity(card)

        async def callback(turn_context: TurnContext) -> None:
            if activity_id:
                activity.id = activity_id
                await turn_context.update_activity(activity)
                sent["id"] = activity_id
                return
            response = await turn_context.send_activity(activity)
            sent["id"] = str(getattr(response, "id", "") or "")

        conversation_reference = ConversationReference().deserialize(reference)
        await self.adapter.continue_conversation(conversation_reference, callback, self.app_id)
        return sent.get("id", "")

    async def _create_in_channel(
        self, base: StoredReference, channel: str, card: dict[str, Any]
    ) -> tuple[str, str]:
        """Start a new thread in `channel` with `card` (create_conversation)."""
        created: dict[str, str] = {}
        bot = base.reference.get("bot") or {}
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
            channel_data={"channel": {"id": channel}, "tenant": {"id": base.tenant_id}},
            activity=card_activity(card),
            tenant_id=base.tenant_id or None,
        )

        async def callback(turn_context: TurnContext) -> None:
            created["conversation"] = turn_context.activity.conversation.id
            created["activity"] = turn_context.activity.id

        await self.adapter.create_conversation(
            self.app_id, callback, parameters, "msteams", base.service_url
        )
        return created["conversation"], created["activity"]


@dataclass(frozen=True)
class ThreadViews:
    """The escalation's card in a school's channel, as each viewer sees it (`forms.thread_card`).

    The deciders are the directors and deputies of the request's school, the requester excepted;
    the domain still decides, for every decision, who may. Their Teams user ids ("29:…") come
    from their stored conversation references (someone who never opened the bot has none).
    Without `org` no one is a decider here.
    """

    store: Store
    references: ConversationReferenceStore
    org: Org | None = None

    def card(
        self,
        request: RequestRow,
        text: str,
        lang: Lang,
        *,
        decider: bool = False,
        mentions: tuple[tuple[str, str], ...] = (),
        outcome: str = "",
    ) -> dict[str, Any]:
        """The card for everyone, or with `decider` (while not final) a decider's view."""
        final = request.status in FINAL_STATES
        buttons = escalation_buttons(request.id, lang) if decider and not final else ()
        ids = self.decider_ids(request)
        refresh = None if final else forms.refresh_for(str(request.id), lang, ids)
        message = Reply(kind="notice", lang=lang, text=text, buttons=buttons)
        status = status_of(request)
        return forms.thread_card(
            message, status=status, refresh=refresh, mentions=mentions, outcome=outcome
        )

    def is_decider(self, request: RequestRow, email: str | None) -> bool:
        """True when `email` is one of the request's deciders."""
        return email is not None and email in self.deciders(request)

    def deciders(self, request: RequestRow) -> tuple[str, ...]:
        """The emails of the school's directors and deputies, the requester excepted."""
        school = self._school(request)
        if school is None:
            return ()
        return tuple(email for email in school.leaders if email != request.requester)

    def decider_ids(self, request: RequestRow) -> tuple[str, ...]:
        """The deciders' Teams user ids, for the card's `refresh.userIds`."""
        ids = (self._user_id(email) for email in self.deciders(request))
        return tuple(user_id for user_id in ids if user_id)

    def thread_root(self, request: RequestRow) -> TeamsMessageRow | None:
        """The first message of the request's channel thread; None without one."""
        ref = request.thread_ref or ""
        number = ref.removeprefix(CHANNEL_THREAD)
        if not ref.startswith(CHANNEL_THREAD) or not number.isdigit():
            return None
        with self.store.transaction() as session:
            return session.get(TeamsMessageRow, int(number))

    def _school(self, request: RequestRow) -> School | None:
        if self.org is None:
            return None
        return next((s for s in self.org.schools if s.id == request.school), None)

    def _user_id(self, email: str) -> str:
        person = self.org.person(email) if self.org is not None else None
        if person is None or not person.teams_id:
            return ""
        stored = self.references.get(person.teams_id)
        return stored.user_id if stored is not None else ""


def status_of(request: RequestRow) -> str:
    """The request's state in Dutch and English ("open / open")."""
    name = texts.STATUS_NAMES[request.status]
    return f"{name.nl} / {name.en}"


def card_activity(card: dict[str, Any]) -> Activity:
    """A message activity carrying one Adaptive Card."""
    return Activity(
        type=ActivityTypes.message,
        summary=summary(Reply(kind="notice", lang="nl", text=str(card.get("fallbackText") or ""))),
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
    )


def _request_of(store: Store, key: str) -> RequestRow | None:
    number = request_id_of(key)
    if number is None:
        return None
    with store.transaction() as session:
        return session.get(RequestRow, number)


def _ids(key: str) -> str:
    """The request number of an outbox key, for logs (keys contain email addresses)."""
    return loggable(key)
