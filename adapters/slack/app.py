"""The Slack listeners: Bolt events, the /protocol command and button presses, to the core.

Each listener acknowledges first (Slack allows three seconds), then asks the `Assistant`
(about a millisecond of CPU), then renders the `Reply` with `blocks.py` and sends it. Sending
goes through an `AsyncWebClient` with slack_sdk's retry handlers (429 with Retry-After, 5xx,
dropped connections); a delivery that still fails is logged with ids only, never message text.

Slack's assistant pane ("Agents & AI Apps", adapters/slack/assistant_pane.py) answers through
the same `answer_event` as a direct message; each question carries its conversation key
(adapters/slack/events.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import blocks
from adapters.slack.assistant_pane import AnswerEvent, register_assistant_pane
from adapters.slack.blocks import SlackMessage
from adapters.slack.chat_port import key_metadata
from adapters.slack.events import (
    command_conversation,
    conversation_of,
    is_from_a_person,
    thread_conversation,
)
from adapters.slack.home import register_home
from adapters.slack.mrkdwn import escape, to_plain, unescape
from adapters.slack.ports import EventDeduplicator
from adapters.slack.settings import SlackSettings
from adapters.slack.workflows import (
    DECISION_ACTIONS,
    SCHOOL_ACTIONS,
    WorkflowServices,
    register_workflow_listeners,
)
from bot.assistant import Assistant
from bot.kept_answers import AnswerQueue, Unposted, answer_key
from bot.models import IncomingMessage, Reply, UserRef
from bot.ports import Feedback, FeedbackSink
from bot.suggestions import ASK

LOG = logging.getLogger("policybot.slack")

COMMAND = "/protocol"
EVENT_TYPES = ("message", "app_mention")
SHOW_CLAUSE_ACTIONS = re.compile(rf"^{blocks.SHOW_CLAUSE}(:\d+)?$")
FEEDBACK_ACTIONS = re.compile(rf"^({blocks.FEEDBACK_UP}|{blocks.FEEDBACK_DOWN})$")
WORKFLOW_ACTIONS = re.compile(rf"^({blocks.DOUBT_CHECK}|{blocks.ESCALATE})(:\d+)?$")
ASK_ACTIONS = re.compile(rf"^{ASK}(:\d+)?$")  # a suggested next question (bot/suggestions.py)
# Every action id a rendered message can carry matches one of these (a test checks it).
HANDLED_ACTIONS = (
    SHOW_CLAUSE_ACTIONS,
    FEEDBACK_ACTIONS,
    WORKFLOW_ACTIONS,
    ASK_ACTIONS,
    re.compile(rf"^{blocks.SHARE}$"),
    DECISION_ACTIONS,
    SCHOOL_ACTIONS,
)

DELIVERY_ERRORS = (SlackClientError, aiohttp.ClientError, TimeoutError, ValueError)
PLATFORM = "slack"

Body = dict[str, Any]


@dataclass(frozen=True)
class SlackServices:
    """What the listeners need: the core, the feedback sink, a response_url sender and,
    when a database is wired in, the workflows (without them the B.3/B.2 buttons say "soon")."""

    assistant: Assistant
    feedback: FeedbackSink
    responder: ResponseUrlSender
    workflows: WorkflowServices | None = None
    answers: AnswerQueue | None = None  # keeps answers Slack did not take (with a database)


def answer_queue(workflows: WorkflowServices | None) -> AnswerQueue | None:
    """Where answers Slack did not take are kept: the workflows' database, when there is one."""
    if workflows is None:
        return None
    return AnswerQueue(workflows.ctx.store, workflows.ctx.clock, PLATFORM)


def retry_handlers() -> list[AsyncRetryHandler]:
    """slack_sdk's retries: rate limits (honouring Retry-After), 500/503, dropped connections."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=2),
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
    ]


def build_web_client(settings: SlackSettings) -> AsyncWebClient:
    """The Web API client: the bot token, SLACK_API_URL, a timeout and the retry handlers."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_api_timeout_seconds,
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("policybot.slack.web"),
    )


def build_bolt_app(
    *,
    assistant: Assistant,
    settings: SlackSettings,
    feedback: FeedbackSink,
    deduplicator: EventDeduplicator,
    client: AsyncWebClient | None = None,
    workflows: WorkflowServices | None = None,
    socket_mode: bool = False,
) -> AsyncApp:
    """A Bolt app with every listener registered; Bolt verifies each request's signature
    (over HTTP; in Socket Mode the app token authenticates the connection instead)."""
    secret = settings.slack_signing_secret
    app = AsyncApp(
        name="policybot",
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=not socket_mode,
        client=client or build_web_client(settings),
        logger=logging.getLogger("policybot.slack.bolt"),
    )
    services = SlackServices(
        assistant=assistant,
        feedback=feedback,
        responder=ResponseUrlSender(timeout=settings.slack_api_timeout_seconds),
        workflows=workflows,
        answers=answer_queue(workflows),
    )
    app.middleware(skip_repeated_events(deduplicator))
    register_ask_listeners(app, services)
    register_assistant_pane(app, answer_pane_question(services))
    register_answer_actions(app, services)
    register_suggestion_actions(app, services)
    register_workflow_actions(app, services)
    return app


def skip_repeated_events(
    deduplicator: EventDeduplicator,
) -> Callable[..., Awaitable[BoltResponse]]:
    """Bolt middleware: an event id seen before (a retried delivery) is acknowledged, not run.

    It runs after Bolt's signature check, so an unsigned request cannot claim an event id.
    """

    async def middleware(body: Body, next_: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not await first_delivery(deduplicator, event_id):
            LOG.info("slack: repeated delivery of event %s skipped", event_id)
            return BoltResponse(status=200, body="")
        return await next_()

    return middleware


def register_ask_listeners(app: AsyncApp, services: SlackServices) -> None:
    """Questions: a direct message, a mention in a channel, and /protocol."""

    @app.event("message")
    async def on_direct_message(
        body: Body, event: Body, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if event.get("channel_type") != "im" or not is_from_a_person(event, context.bot_user_id):
            return
        await answer_event(services, client, body, context.bot_user_id, event.get("thread_ts"))

    @app.event("app_mention")
    async def on_mention(
        body: Body, event: Body, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        bot = context.bot_user_id
        # Direct-message channels ("D…") are answered by on_direct_message.
        if not is_from_a_person(event, bot) or event["channel"].startswith("D"):
            return
        await answer_event(services, client, body, bot, event.get("thread_ts") or event.get("ts"))

    @app.command(COMMAND)
    async def on_protocol_command(ack: AsyncAck, command: Body) -> None:
        await ack()
        raw, user = _text(command.get("text")), _text(command.get("user_id"))
        conversation = command_conversation(_text(command.get("channel_id")), user)
        reply = answer(services.assistant, raw, user, conversation=conversation)
        payload = private_answer(reply, raw)
        await services.responder.send(command.get("response_url"), payload, what="command answer")


def private_answer(reply: Reply, raw: str) -> dict[str, Any]:
    """An ephemeral answer to `raw` (/protocol's): the question echoed, a share button."""
    share = blocks.share_payload(raw) if reply.kind in blocks.ANSWER_KINDS else None
    message = blocks.render(reply, question=unescape(raw), share_value=share)
    return {**message.as_payload(), "response_type": "ephemeral"}


async def answer_event(
    services: SlackServices,
    client: AsyncWebClient,
    body: Body,
    bot_user_id: str | None,
    thread_ts: str | None,
) -> None:
    """Answer a person's message event, in `thread_ts` (None: at the top of the DM)."""
    event = body["event"]
    reply = await answer_in_thread(
        services.assistant,
        event["text"],
        event["user"],
        bot_user_id,
        conversation=conversation_of(event),
    )
    await post_answer(services, client, body, reply, thread_ts=thread_ts)


def answer_pane_question(services: SlackServices) -> AnswerEvent:
    """How the assistant pane answers: as a DM is answered, in the pane's thread."""

    async def answer_in_pane(body: Body, client: AsyncWebClient, bot_user_id: str | None) -> None:
        await answer_event(services, client, body, bot_user_id, body["event"]["thread_ts"])

    return answer_in_pane


def register_answer_actions(app: AsyncApp, services: SlackServices) -> None:
    """Buttons on an answer: another answer, share in channel, and 👍/👎."""

    @app.action(SHOW_CLAUSE_ACTIONS)
    async def on_show_clause(
        ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient
    ) -> None:
        await ack()
        lang = blocks.lang_of(action.get("block_id"))
        reply = services.assistant.show_clause(_text(action.get("value")), lang)
        if is_ephemeral(body):
            payload = {**render_answer(reply).as_payload(), "replace_original": True}
            await services.responder.send(body.get("response_url"), payload, what="other answer")
            return
        thread_ts = _dig(body, "message", "thread_ts") or None
        await post_message(client, channel_of(body), render_answer(reply), thread_ts=thread_ts)

    @app.action(blocks.SHARE)
    async def on_share(ack: AsyncAck, body: Body, action: Body) -> None:
        await ack()
        raw = blocks.read_share_payload(action.get("value"))
        if raw is None:
            return
        user = _dig(body, "user", "id")
        reply = answer(services.assistant, raw, user)
        message = blocks.render(reply, question=unescape(raw), asked_by=user)
        url = body.get("response_url")
        visible = {**message.as_payload(), "response_type": "in_channel", "replace_original": False}
        if await services.responder.send(url, visible, what="shared answer"):
            await services.responder.send(url, {"delete_original": True}, what="delete ephemeral")

    @app.action(FEEDBACK_ACTIONS)
    async def on_feedback(ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        clause_id, user_id = _text(action.get("value"))[:40], _dig(body, "user", "id")
        if not clause_id or not user_id:
            return
        services.feedback.record(
            Feedback(
                platform="slack",
                user_id=user_id,
                clause_id=clause_id,
                helpful=action.get("action_id") == blocks.FEEDBACK_UP,
                channel_id=channel_of(body),
                message_ts=_dig(body, "container", "message_ts"),
            )
        )
        await thank_for_feedback(services, body, client, clause_id, action.get("block_id"))


def register_suggestion_actions(app: AsyncApp, services: SlackServices) -> None:
    """A suggested next question, asked as if typed: answered where the pressed answer is
    (privately under /protocol's, else in its DM or thread), with the question echoed."""

    @app.action(ASK_ACTIONS)
    async def on_suggested_question(
        ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient
    ) -> None:
        await ack()
        question, user = _text(action.get("value")), _dig(body, "user", "id")
        if not question or not user:
            return
        channel = channel_of(body)
        if is_ephemeral(body):
            conversation = command_conversation(channel, user)
            reply = await answer_in_thread(
                services.assistant, question, user, None, conversation=conversation
            )
            payload = {**private_answer(reply, question), "replace_original": False}
            await services.responder.send(body.get("response_url"), payload, what="suggestion")
            return
        thread_ts = answer_thread(body)
        reply = await answer_in_thread(
            services.assistant,
            question,
            user,
            None,
            conversation=thread_conversation(channel, thread_ts),
        )
        message = blocks.render(reply, question=question)
        await post_message(client, channel, message, thread_ts=thread_ts)


def answer_thread(body: Body) -> str | None:
    """Where to answer a press on a message: its thread; in a channel, a thread under it
    when it has none; at the top of a DM otherwise."""
    thread_ts = _dig(body, "message", "thread_ts")
    if thread_ts or channel_of(body).startswith("D"):
        return thread_ts or None
    return _dig(body, "message", "ts") or None


def register_workflow_actions(app: AsyncApp, services: SlackServices) -> None:
    """The B.3 "ask my director" and B.2 "escalate" flows (adapters/slack/workflows.py).

    Without a database (services.workflows is None) the buttons say the step is coming.
    """
    if services.workflows is not None:
        say = ephemeral_sayer(services.responder)
        register_workflow_listeners(app, services.workflows, say, WORKFLOW_ACTIONS)
        register_home(app, services.workflows)
        return

    @app.action(WORKFLOW_ACTIONS)
    async def on_workflow_button(ack: AsyncAck, body: Body) -> None:
        await ack()
        payload = {
            **blocks.notice(blocks.COMING_SOON).as_payload(),
            "response_type": "ephemeral",
            "replace_original": False,
        }
        await services.responder.send(body.get("response_url"), payload, what="coming soon")


def ephemeral_sayer(responder: ResponseUrlSender) -> Callable[[Body, str], Awaitable[None]]:
    """Tell only the person who pressed a button (e.g. "not yours"), via its response_url."""

    async def say(body: Body, text: str) -> None:
        message = blocks.notice(escape(text))
        payload = {**message.as_payload(), "response_type": "ephemeral", "replace_original": False}
        await responder.send(body.get("response_url"), payload, what="ephemeral notice")

    return say


async def thank_for_feedback(
    services: SlackServices, body: Body, client: AsyncWebClient, clause_id: str, block_id: object
) -> None:
    """Replace the message's 👍/👎 buttons by a thank-you line."""
    message = body.get("message")
    if isinstance(message, dict) and not is_ephemeral(body):
        updated = blocks.with_feedback_thanks(_blocks_of(message))
        text = _text(message.get("text")) or blocks.FEEDBACK_THANKS
        await update_message(client, channel_of(body), _text(message.get("ts")), text, updated)
        return
    # An ephemeral message is not echoed back to us, so it is rendered again from the clause.
    reply = services.assistant.show_clause(clause_id, blocks.lang_of(block_id))
    rendered = render_answer(reply)
    payload = {
        "text": rendered.text,
        "blocks": blocks.with_feedback_thanks(rendered.blocks),
        "replace_original": True,
    }
    await services.responder.send(body.get("response_url"), payload, what="feedback thanks")


def answer(
    assistant: Assistant,
    raw_text: str,
    user_id: str,
    *,
    bot_user_id: str | None = None,
    conversation: str = "",
) -> Reply:
    """The assistant's reply to a Slack text (markup resolved, the bot's own mention removed)."""
    text = to_plain(raw_text, bot_user_id=bot_user_id)
    message = IncomingMessage(text=text, user=UserRef(PLATFORM, user_id), conversation=conversation)
    return assistant.handle(message)


async def first_delivery(deduplicator: EventDeduplicator, event_id: str) -> bool:
    """`deduplicator.first_delivery` in a worker thread: its database write (a commit, an fsync
    on SQLite) must not hold up the event loop, which acknowledges the other requests."""
    return await asyncio.to_thread(deduplicator.first_delivery, event_id)


async def answer_in_thread(
    assistant: Assistant,
    raw_text: str,
    user_id: str,
    bot_user_id: str | None,
    *,
    conversation: str = "",
) -> Reply:
    """`answer` in a worker thread: the question log's commit must not hold up the event loop."""
    return await asyncio.to_thread(
        answer, assistant, raw_text, user_id, bot_user_id=bot_user_id, conversation=conversation
    )


def render_answer(reply: Reply) -> SlackMessage:
    """A reply rendered for a conversation (no echo of the question, no share button)."""
    return blocks.render(reply)


def is_ephemeral(body: Body) -> bool:
    """Whether a button was pressed on an ephemeral message (only its response_url reaches it)."""
    container = body.get("container")
    return bool(isinstance(container, dict) and container.get("is_ephemeral")) or not isinstance(
        body.get("message"), dict
    )


def channel_of(body: Body) -> str:
    """The channel id of an interaction payload."""
    return _dig(body, "channel", "id") or _dig(body, "container", "channel_id")


async def post_answer(
    services: SlackServices, client: AsyncWebClient, body: Body, reply: Reply, *, thread_ts: Any
) -> None:
    """Post the answer to an event; if Slack does not take it, keep it in the outbox."""
    event, event_id = body["event"], str(body.get("event_id") or "")
    key = answer_key(PLATFORM, event_id) if event_id else None
    error = await post_message(
        client, event["channel"], render_answer(reply), thread_ts=thread_ts, key=key
    )
    if error is None or key is None or services.answers is None:
        return
    unposted = Unposted(event_id, event["user"], event["channel"], thread_ts, reply, error)
    await services.answers.keep_from_loop(unposted)


async def post_message(
    client: AsyncWebClient,
    channel: str,
    message: SlackMessage,
    *,
    thread_ts: str | None = None,
    key: str | None = None,
) -> str | None:
    """chat.postMessage (with `key` in its metadata); a failure after the retries is logged
    with ids only, and described in the return value (None: posted)."""
    try:
        await client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            metadata=key_metadata(key) if key else None,
        )
    except DELIVERY_ERRORS as exc:
        LOG.warning("slack: chat.postMessage to %s failed: %s", channel, describe_error(exc))
        return describe_error(exc)
    return None


async def update_message(
    client: AsyncWebClient, channel: str, ts: str, text: str, message_blocks: list[blocks.Block]
) -> None:
    """chat.update; a failure after the retries is logged with ids only."""
    try:
        await client.chat_update(channel=channel, ts=ts, text=text, blocks=message_blocks)
    except DELIVERY_ERRORS as exc:
        LOG.warning("slack: chat.update of %s/%s failed: %s", channel, ts, describe_error(exc))


class ResponseUrlSender:
    """Posts to an interaction's response_url with the same retries as the Web API client."""

    def __init__(self, *, timeout: int) -> None:
        self.timeout = timeout

    async def send(self, url: object, payload: dict[str, Any], *, what: str) -> bool:
        """Send `payload`; True when Slack accepted it. Failures are logged, never raised."""
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            LOG.warning("slack: no usable response_url for the %s", what)
            return False
        client = AsyncWebhookClient(url=url, timeout=self.timeout, retry_handlers=retry_handlers())
        try:
            response = await client.send_dict(payload)
        except DELIVERY_ERRORS as exc:
            LOG.warning("slack: %s via response_url failed: %s", what, describe_error(exc))
            return False
        if response.status_code != 200:
            LOG.warning("slack: %s via response_url got HTTP %s", what, response.status_code)
            return False
        return True


def describe_error(exc: BaseException) -> str:
    """An error's kind and Slack error code, without any message content."""
    response = getattr(exc, "response", None)
    try:
        code = response.get("error") if response is not None else None
    except (AttributeError, ValueError):  # a non-JSON body has no error code
        code = None
    status = getattr(response, "status_code", None)
    return f"{type(exc).__name__} error={code or '-'} status={status or '-'}"


def _dig(body: Body, *keys: str) -> str:
    """A nested string field of a payload, or "" when any level is missing or not a string."""
    value: object = body
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def _blocks_of(message: Body) -> list[blocks.Block]:
    """The blocks of a message echoed in a payload (only well-formed ones)."""
    found = message.get("blocks")
    return [block for block in found if isinstance(block, dict)] if isinstance(found, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


__all__ = [
    "COMMAND",
    "EVENT_TYPES",
    "HANDLED_ACTIONS",
    "SlackServices",
    "build_bolt_app",
    "build_web_client",
    "register_answer_actions",
    "register_ask_listeners",
    "register_workflow_actions",
]
