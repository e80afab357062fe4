"""aiohttp ↔ botbuilder for `POST /api/messages`: guard the request, authenticate, dispatch.

Thin on purpose. The guards come first, because botbuilder's own `CloudAdapter.process` answers
500 for much that is the caller's fault: a body that is not JSON, a token that is not a JWT
(PyJWT's DecodeError), a key id the metadata does not list (IndexError), a missing header
(it passes "" where the SDK checks for None). So: 413 for an oversized body, 400 for one that
is not an activity, 403 for a serviceUrl we may not send to, 401 for any failure to authenticate
(or a token that does not vouch for the serviceUrl), and only then the adapter's turn.

Without settings Teams is off and the route answers 503 naming the missing variables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from botbuilder.core import serializer_helper  # type: ignore[import-untyped]
from botbuilder.integration.aiohttp import CloudAdapter  # type: ignore[import-untyped]
from botbuilder.schema import Activity  # type: ignore[import-untyped]
from botframework.connector.auth import BotFrameworkAuthentication  # type: ignore[import-untyped]

from adapters.teams import translate
from adapters.teams.auth import TokenSource, build_authentication
from adapters.teams.bot import TeamsBot, TeamsServices, keep_json, on_turn_error
from adapters.teams.ports import ConversationReferenceStore, InMemoryConversationReferences
from adapters.teams.reuse import CallLimits, ReusingAuthentication
from adapters.teams.service_url import claimed_service_url_refusal, is_loopback_url, sending_allowed
from adapters.teams.settings import TeamsSettings
from adapters.teams.speedups import speed_up_msrest_retry_policy
from adapters.teams.workflows import TeamsWorkflows
from bot.assistant import Assistant
from bot.kept_answers import AnswerQueue
from bot.ports import FeedbackSink, InMemoryFeedback

LOG = logging.getLogger("policybot.teams")

TEAMS_PATH = "/api/messages"
AUTH_DISABLED_WARNING = (
    "!!! TEAMS AUTHENTICATION IS DISABLED (POLICYBOT_TEAMS_INSECURE_LOCAL=1, no "
    "MICROSOFT_APP_ID): POST %s accepts requests from anyone, and replies only to loopback "
    "serviceUrls. For local testing only; never deploy like this (docs/teams.md). !!!"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def teams_route(
    *,
    assistant: Assistant,
    settings: TeamsSettings,
    feedback: FeedbackSink | None = None,
    references: ConversationReferenceStore | None = None,
    connector_token: TokenSource | None = None,
    workflows: TeamsWorkflows | None = None,
) -> Handler:
    """The aiohttp handler for POST /api/messages.

    `feedback` and `references` default to in-memory stores (one process); `connector_token`
    signs replies with a fixed token instead of the app password (tests); `workflows` turns on
    the doubt check and the escalation (without it their buttons say "coming soon").
    With neither an app id nor the local opt-in, the handler answers 503 (`teams_disabled`).
    """
    if not settings.teams_enabled:
        return teams_disabled(settings.missing)
    speed_up_msrest_retry_policy()  # ~10 ms of CPU less per msrest client (speedups.py)
    warn_about_test_settings(settings)
    # One connector client per serviceUrl for all turns, not one per turn (adapters/teams/reuse.py)
    authentication = ReusingAuthentication(
        build_authentication(settings, connector_token=connector_token),
        limits=CallLimits(timeout=settings.teams_api_timeout_seconds),
        allowed=sending_allowed(settings.insecure_local),
    )
    services = TeamsServices(
        assistant=assistant,
        feedback=feedback if feedback is not None else InMemoryFeedback(),
        references=references if references is not None else InMemoryConversationReferences(),
        workflows=workflows,
        answers=AnswerQueue(workflows.ctx.store, workflows.ctx.clock, "teams")
        if workflows
        else None,
    )
    return TeamsMessagesHandler(
        authentication,
        TeamsBot(services),
        max_body_bytes=settings.teams_max_body_bytes,
        insecure_local=settings.insecure_local,
    ).handle


def warn_about_test_settings(settings: TeamsSettings) -> None:
    """Log loudly when a setting meant for local testing is in effect (or is ignored)."""
    if settings.insecure_local:
        LOG.warning(AUTH_DISABLED_WARNING, TEAMS_PATH)
    elif settings.policybot_teams_insecure_local:
        LOG.warning("POLICYBOT_TEAMS_INSECURE_LOCAL is ignored: MICROSOFT_APP_ID is set")
    if settings.teams_openid_metadata_url:
        LOG.warning(
            "TEAMS_OPENID_METADATA_URL is set: tokens are checked against its keys (tests only)"
        )


def teams_disabled(missing: tuple[str, ...]) -> Handler:
    """A handler that answers 503 and names the missing variables (Teams is off)."""
    LOG.warning(
        "Teams disabled: %s not set; POST %s answers 503", " and ".join(missing), TEAMS_PATH
    )

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": "teams_not_configured", "missing": list(missing)}, status=503
        )

    return handler


class TeamsMessagesHandler:
    """The aiohttp handler for `POST /api/messages`.

    `insecure_local`: authentication is off, so only activities with a loopback serviceUrl
    are taken; otherwise the token's serviceurl claim must be the activity's serviceUrl.
    """

    def __init__(
        self,
        authentication: BotFrameworkAuthentication,
        bot: TeamsBot,
        *,
        max_body_bytes: int,
        insecure_local: bool = False,
    ) -> None:
        self.authentication = authentication
        self.adapter = CloudAdapter(authentication)
        self.adapter.on_turn_error = on_turn_error
        self.bot = bot
        self.max_body_bytes = max_body_bytes
        self.insecure_local = insecure_local

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one request from the Bot Framework."""
        if (request.content_length or 0) > self.max_body_bytes:
            return json_error(413, "payload_too_large")
        raw = await request.read()  # aiohttp's client_max_size answers 413 for chunked bodies
        if len(raw) > self.max_body_bytes:
            return json_error(413, "payload_too_large")
        try:
            activity = read_activity(raw)
        except (ValueError, TypeError, RecursionError):
            return json_error(400, "bad_request")
        if self.insecure_local and not is_loopback_url(activity.service_url):
            LOG.warning("Teams request refused: serviceUrl not loopback (activity %s)", activity.id)
            return json_error(403, "service_url_not_allowed")
        result = await self.authenticated(activity, request)
        if result is None:
            return json_error(401, "unauthorized")
        return await self.run_turn(result, activity)

    async def authenticated(self, activity: Activity, request: web.Request) -> Any:
        """The SDK's result for a request that proves who sent it and where to answer; None
        when it does not (the reason is logged, without the token)."""
        header = request.headers.get("Authorization", "").strip() or None
        try:
            result = await self.authentication.authenticate_request(activity, header)
        except Exception as exc:  # the SDK raises many types for a bad token; all mean 401
            LOG.info("Teams request refused: %s (activity %s)", type(exc).__name__, activity.id)
            return None
        reason = None
        if not self.insecure_local:
            reason = claimed_service_url_refusal(result.claims_identity, activity.service_url)
        if reason is not None:
            LOG.info("Teams request refused: %s (activity %s)", reason, activity.id)
            return None
        return result

    async def run_turn(self, result: Any, activity: Activity) -> web.Response:
        """Run the bot's turn; an invoke's response becomes the HTTP response."""
        try:
            invoke = await self.adapter.process_activity(result, activity, self.bot.on_turn)
        except Exception as exc:  # e.g. the connector client could not be built
            LOG.error("Teams turn failed: %s (activity %s)", type(exc).__name__, activity.id)
            return json_error(500, "internal_error")
        if invoke is not None:
            return invoke_response(invoke.status, invoke.body)
        return web.Response(status=200)


def read_activity(raw: bytes) -> Activity:
    """The activity in `raw`; ValueError when it is not JSON or not shaped like an activity."""
    body = translate.check_shape(json.loads(raw.decode("utf-8")))
    activity = Activity().deserialize(body)
    if not isinstance(activity, Activity) or not activity.type:
        raise ValueError("not an activity")
    return keep_json(activity, body)  # the bot reads the body, not the model serialized again


def invoke_response(status: int, body: Any) -> web.Response:
    """An invoke's response. Some of the SDK's own error bodies cannot be serialized (they hold
    an Exception), so those become a plain JSON error with the same status."""
    try:
        return web.json_response(serializer_helper(body), status=status)
    except Exception:  # msrest's SerializationError, TypeError from json
        return json_error(status, "invoke_failed")


def json_error(status: int, error: str) -> web.Response:
    """A JSON error response: {"error": ...}."""
    return web.json_response({"error": error}, status=status)
