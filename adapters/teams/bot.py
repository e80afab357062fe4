"""The Teams bot: a thin ActivityHandler between botbuilder and the platform-free core.

Each turn: remember where the sender can be reached (messages, installationUpdate and
conversationUpdate), then for a message: a workflow command, form or decision (`workflows.py`,
when wired), else a card button (`actions.py`), else a question for the `Assistant`; the answer
is rendered by `cards.py` / `forms.py`. In a personal chat the reply is a new
message in that chat; in a channel or group chat it is a reply to the activity, in its thread.
A delivery that fails (429, 5xx, network) is retried briefly, then logged with ids only.

An `adaptiveCard/action` invoke with one of our verbs (the escalation's channel card, Universal
Actions: "refresh", "acknowledge", "resolve") is answered by `TeamsWorkflows.on_execute` with
the card to show (`{"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
"value": card}`) or a 400 error; any other invoke gets botbuilder's own answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import DeserializationError
from botbuilder.core import (  # type: ignore[import-untyped]
    ActivityHandler,
    InvokeResponse,
    TurnContext,
)
from botbuilder.schema import (  # type: ignore[import-untyped]
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import cards, forms, translate
from adapters.teams.actions import dispatch_card_action
from adapters.teams.ports import ConversationReferenceStore
from adapters.teams.workflows import Answer, Executed, TeamsWorkflows
from bot.assistant import Assistant
from bot.kept_answers import AnswerQueue, Unposted
from bot.models import Lang, Reply
from bot.ports import FeedbackSink

LOG = logging.getLogger("policybot.teams")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 3
MAX_RETRY_DELAY = 2.0
BAD_REQUEST = 400
OK = 200
CARD_ACTION = "adaptiveCard/action"
ERROR_TYPE = "application/vnd.microsoft.error"


@dataclass(frozen=True)
class TeamsServices:
    """What the bot needs: the core, the feedback sink, the conversation reference store and
    (when the doubt check and escalation are wired) the workflows."""

    assistant: Assistant
    feedback: FeedbackSink
    references: ConversationReferenceStore
    workflows: TeamsWorkflows | None = None
    answers: AnswerQueue | None = None  # keeps answers the connector did not take (a database)


class TeamsBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type hints
    """Translates Teams activities for the core and sends its replies back."""

    def __init__(self, services: TeamsServices) -> None:
        self.services = services

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Remember the conversation, then let ActivityHandler route the activity."""
        activity = as_json(turn_context.activity)
        if activity.get("type") in translate.REMEMBERED_TYPES:
            await asyncio.to_thread(self.remember, turn_context.activity, activity)
        if translate.is_personal(activity):
            turn_context.on_send_activities(_as_new_message)
        await super().on_turn(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Our `Action.Execute`s (the escalation's channel card); for any other invoke
        botbuilder's answer, or 400 for a value its parsing chokes on: an `adaptiveCard/action`
        whose `action` is not an object crashed the turn (AttributeError in ActivityHandler)."""
        executed = await self.execute(as_json(turn_context.activity))
        if executed is not None:
            return executed
        try:
            response: InvokeResponse = await super().on_invoke_activity(turn_context)
        except (AttributeError, TypeError, ValueError):
            return InvokeResponse(status=BAD_REQUEST)
        return response

    async def execute(self, activity: dict[str, Any]) -> InvokeResponse | None:
        """The answer to one of our `Action.Execute`s, as the person who pressed; None when the
        invoke is not one (or the workflows are not wired)."""
        workflows, user = self.services.workflows, translate.user_ref(activity)
        action = our_execute(activity)
        if workflows is None or user is None or action is None:
            return None
        verb, data = action
        conversation = str(activity["conversation"]["id"])
        executed = await asyncio.to_thread(
            workflows.on_execute, verb, data, user.user_id, conversation
        )
        return invoke_of(executed)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A question typed to the bot, or a button pressed on one of its cards."""
        activity = as_json(turn_context.activity)
        answer = await self.workflow_answer(activity)
        if answer is not None:
            await deliver(turn_context, answer_activity(answer))
            return
        if translate.is_submit(activity):
            reply = self.answer_submit(activity)
            if reply is not None:
                await deliver(turn_context, to_activity(reply))
            return
        message = translate.incoming_message(activity)
        if message is None:
            return
        # In a worker thread: the question log's commit must not hold up the event loop.
        reply = await asyncio.to_thread(self.services.assistant.handle, message)
        error = await deliver(turn_context, to_activity(reply, question=message.text))
        if error is not None:
            await keep_unsent(self.services.answers, activity, reply, error)

    async def workflow_answer(self, activity: dict[str, Any]) -> Answer | None:
        """A form, a submission's outcome or a decision's outcome; None when not a workflow."""
        workflows, user = self.services.workflows, translate.user_ref(activity)
        if workflows is None or user is None:
            return None
        value = activity.get("value")
        if not isinstance(value, dict):
            text = translate.message_text(activity)
            if not text.startswith("/"):
                return None
            return await asyncio.to_thread(workflows.on_text, text, user.user_id)
        action = value.get("action")
        if not isinstance(action, str):  # not one of our buttons (they all carry a name)
            return None
        if action in (cards.DOUBT_CHECK, cards.ESCALATE):
            lang: Lang = "en" if value.get("lang") == "en" else "nl"
            return workflows.form_for_button(str(action), lang, user.user_id)
        if action not in forms.WORKFLOW_ACTIONS:
            return None
        key = f"teams:form:{activity.get('replyToId') or activity.get('id')}"
        dedup = key if action in (forms.DOUBT_SUBMIT, forms.ESCALATE_SUBMIT) else None
        return await asyncio.to_thread(workflows.on_submit, value, user.user_id, dedup_key=dedup)

    def answer_submit(self, activity: dict[str, Any]) -> Reply | None:
        """The reply to a card submit; None when it is not one of ours or has no sender."""
        action = translate.card_action(activity)
        user = translate.user_ref(activity)
        if action is None or user is None:
            LOG.info("ignored a submit that is not ours (activity %s)", activity.get("id"))
            return None
        return dispatch_card_action(
            action,
            assistant=self.services.assistant,
            feedback=self.services.feedback,
            user=user,
            conversation_id=activity["conversation"]["id"],
            message_id=str(activity.get("replyToId") or ""),
        )

    def remember(self, activity: Activity, data: dict[str, Any]) -> None:
        """Store the conversation reference of the sender (keyed by AAD object id)."""
        reference = TurnContext.get_conversation_reference(activity).serialize()
        stored = translate.stored_reference(data, reference)
        if stored is not None:
            self.services.references.save(stored)


def our_execute(activity: dict[str, Any]) -> tuple[str, Any] | None:
    """(verb, data) of an `adaptiveCard/action` invoke with one of our verbs; else None."""
    value = activity.get("value")
    action = value.get("action") if isinstance(value, dict) else None
    if activity.get("name") != CARD_ACTION or not isinstance(action, dict):
        return None
    verb = action.get("verb")
    if action.get("type") != forms.EXECUTE or not isinstance(verb, str):
        return None
    return (verb, action.get("data")) if verb in forms.EXECUTE_VERBS else None


def invoke_of(executed: Executed) -> InvokeResponse:
    """The invoke response: the card to show (200), or an error Teams shows (400)."""
    if executed.card is not None:
        body = AdaptiveCardInvokeResponse(
            status_code=OK, type=cards.CONTENT_TYPE, value=executed.card
        )
        return InvokeResponse(status=OK, body=body)
    error = {"code": "BadRequest", "message": executed.error}
    body = AdaptiveCardInvokeResponse(status_code=BAD_REQUEST, type=ERROR_TYPE, value=error)
    return InvokeResponse(status=BAD_REQUEST, body=body)


# Where `keep_json` puts the request body on an activity: an attribute outside the model's
# attribute map, so msrest never serializes it (it does show in the model's `==` and `str`).
_RECEIVED_JSON = "_policybot_received_json"


def keep_json(activity: Activity, data: dict[str, Any]) -> Activity:
    """`activity`, carrying `data`, the JSON it was read from, for `as_json` to hand out."""
    setattr(activity, _RECEIVED_JSON, data)
    return activity


def as_json(activity: Activity) -> dict[str, Any]:
    """The activity in the JSON form Teams sends (camelCase keys).

    An activity read by the route carries its request body (`keep_json`): that dict is returned
    as it is, to be read and never changed (serializing the model again cost about 0.2 ms of
    CPU, twice a turn). It holds what the SDK's model holds and more: properties the model does
    not declare (a conversation's `tenantId`: the model maps `tenantID`), keys whose value is
    null. What the SDK sets on the activity later (`callerId`) is not in it; nothing here reads it.

    An activity built otherwise (tests, the SDK) is serialized with msrest. Its serializer drops
    the properties an Entity does not declare, which are exactly the ones a mention carries
    (`mentioned`, `text`), so entities are rebuilt from the model.
    """
    received: dict[str, Any] | None = getattr(activity, _RECEIVED_JSON, None)
    if received is not None:
        return received
    data: dict[str, Any] = activity.serialize()
    if activity.entities:
        data["entities"] = [_entity_json(entity) for entity in activity.entities]
    return data


def _entity_json(entity: Any) -> dict[str, Any]:
    extra = getattr(entity, "additional_properties", None) or {}
    return {**extra, "type": getattr(entity, "type", None)}


def to_activity(reply: Reply, *, question: str | None = None) -> Activity:
    """The outgoing activity: an Adaptive Card for answers, plain text for everything else."""
    if not cards.is_card_reply(reply):
        return Activity(
            type=ActivityTypes.message, text=cards.plain_text(reply), text_format="plain"
        )
    card = cards.render_card(reply, question=question)
    return Activity(
        type=ActivityTypes.message,
        summary=cards.summary(reply),
        attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=card)],
    )


def answer_activity(answer: Answer) -> Activity:
    """A workflow answer: its card, or its text as plain text."""
    if answer.card is not None:
        return Activity(
            type=ActivityTypes.message,
            attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=answer.card)],
        )
    return Activity(type=ActivityTypes.message, text=answer.text, text_format="plain")


async def deliver(turn_context: TurnContext, activity: Activity) -> str | None:
    """Send `activity`, retrying 429 and 5xx briefly; a failure is logged with ids only and
    described in the return value (None: sent)."""
    conversation = turn_context.activity.conversation.id
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            await turn_context.send_activity(activity)
            return None
        except HttpOperationError as exc:
            status = _status(exc)
            if status not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                _log_failure(turn_context, conversation, f"HTTP {status}", attempt)
                return f"HTTP {status}"
            await asyncio.sleep(_retry_delay(exc, attempt))
        except (ClientRequestError, DeserializationError, OSError) as exc:
            # DeserializationError: an answer that is not the connector's JSON (a proxy's page)
            _log_failure(turn_context, conversation, type(exc).__name__, attempt)
            return type(exc).__name__
    return "no attempt"


async def keep_unsent(
    answers: AnswerQueue | None, activity: dict[str, Any], reply: Reply, error: str
) -> None:
    """Keep an answer the connector did not take in the outbox, for the person who asked."""
    user, activity_id = translate.user_ref(activity), str(activity.get("id") or "")
    if answers is None or user is None or not activity_id:
        return
    await answers.keep_from_loop(Unposted(activity_id, user.user_id, None, None, reply, error))


async def _as_new_message(
    turn_context: TurnContext, activities: list[Activity], send: Callable[[], Awaitable[Any]]
) -> Any:
    """In a personal chat, post replies as new messages rather than replies to an activity."""
    for activity in activities:
        activity.reply_to_id = None
    return await send()


def _status(exc: HttpOperationError) -> int:
    response = getattr(exc, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def _retry_delay(exc: HttpOperationError, attempt: int) -> float:
    """Retry-After when the connector sends one (capped), otherwise a short back-off."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        wanted = float(headers.get("Retry-After", ""))
    except ValueError:
        wanted = 0.25 * attempt
    return max(0.0, min(wanted, MAX_RETRY_DELAY))


def _log_failure(turn_context: TurnContext, conversation: str, reason: str, attempts: int) -> None:
    LOG.warning(
        "Teams delivery failed: %s after %d attempt(s) (conversation %s, activity %s)",
        reason,
        attempts,
        conversation,
        turn_context.activity.id,
    )


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """The adapter's last resort: log with ids only, and let the request end normally."""
    LOG.error(
        "Teams turn failed: %s (conversation %s, activity %s)",
        type(error).__name__,
        turn_context.activity.conversation.id if turn_context.activity.conversation else "-",
        turn_context.activity.id,
    )
