"""The web server: one aiohttp application for every platform.

Routes: `POST /slack/events` (Bolt's single endpoint: events, slash commands, interactivity,
shortcuts, options) and `GET /healthz`. Without a Slack token and signing secret the server still
starts; the Slack route then answers 503 and says which variables are missing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import build_bolt_app
from adapters.slack.handler import SlackEventsHandler, json_error
from adapters.slack.ports import (
    EventDeduplicator,
    FeedbackSink,
    InMemoryEventDeduplicator,
    InMemoryFeedback,
)
from adapters.slack.settings import SlackSettings
from bot.assistant import Assistant

LOG = logging.getLogger("policybot.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def build_app(
    *,
    assistant: Assistant,
    slack_settings: SlackSettings,
    feedback: FeedbackSink | None = None,
    deduplicator: EventDeduplicator | None = None,
    slack_client: AsyncWebClient | None = None,
) -> web.Application:
    """The aiohttp application with the Slack endpoint and the health check.

    `feedback` and `deduplicator` default to in-memory implementations (one process);
    `slack_client` replaces the Web API client built from the settings.
    """
    app = web.Application(client_max_size=slack_settings.slack_max_body_bytes)
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_post(
        SLACK_PATH,
        slack_route(
            assistant=assistant,
            settings=slack_settings,
            feedback=feedback if feedback is not None else InMemoryFeedback(),
            deduplicator=deduplicator if deduplicator is not None else InMemoryEventDeduplicator(),
            client=slack_client,
        ),
    )
    return app


def slack_route(
    *,
    assistant: Assistant,
    settings: SlackSettings,
    feedback: FeedbackSink,
    deduplicator: EventDeduplicator,
    client: AsyncWebClient | None,
) -> Handler:
    """The handler for POST /slack/events, or a 503 stand-in when Slack is not configured."""
    if settings.slack_signing_secret is None or not settings.slack_enabled:
        LOG.warning(
            "Slack disabled: %s not set; POST %s answers 503",
            " and ".join(settings.missing),
            SLACK_PATH,
        )
        return slack_disabled(settings.missing)
    if settings.slack_app_token is not None:
        LOG.info("SLACK_APP_TOKEN is set but Socket Mode is not used; Slack is served over HTTP")
    bolt_app = build_bolt_app(
        assistant=assistant,
        settings=settings,
        feedback=feedback,
        deduplicator=deduplicator,
        client=client,
    )
    return SlackEventsHandler(
        bolt_app,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        max_body_bytes=settings.slack_max_body_bytes,
    ).handle


def slack_disabled(missing: tuple[str, ...]) -> Handler:
    """A handler that answers 503 and names the missing variables."""

    async def handler(request: web.Request) -> web.Response:
        return json_error(503, "slack_not_configured", missing=list(missing))

    return handler


async def healthz(request: web.Request) -> web.Response:
    """Liveness: the process is up and serving."""
    return web.json_response({"status": "ok"})


def run_server(
    *,
    assistant: Assistant,
    slack_settings: SlackSettings,
    host: str = "0.0.0.0",
    feedback: FeedbackSink | None = None,
    deduplicator: EventDeduplicator | None = None,
) -> None:
    """Serve until interrupted, on `host` and the port from PORT (default 3978)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = build_app(
        assistant=assistant,
        slack_settings=slack_settings,
        feedback=feedback,
        deduplicator=deduplicator,
    )
    LOG.info("serving on http://%s:%s", host, slack_settings.port)
    web.run_app(app, host=host, port=slack_settings.port, print=None)
