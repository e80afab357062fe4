"""The web server: one aiohttp application for every platform.

Routes: `POST /slack/events` (Bolt's single endpoint: events, slash commands, interactivity,
shortcuts, options), `POST /api/messages` (Microsoft Teams), `GET /healthz` (liveness) and
`GET /readyz` (readiness, adapters/ops.py). A platform without its settings is off and the
server still starts: without a Slack token and signing secret the Slack route answers 503, and
without MICROSOFT_APP_ID (or the local opt-in POLICYBOT_TEAMS_INSECURE_LOCAL=1) the Teams route
does; each 503 names the missing variables.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ops import READY_PATH, ServeOptions, readyz, request_id_middleware
from adapters.slack.app import build_bolt_app, build_web_client
from adapters.slack.handler import SlackEventsHandler, json_error
from adapters.slack.ports import EventDeduplicator, InMemoryEventDeduplicator
from adapters.slack.settings import SlackSettings
from adapters.slack.workflows import WorkflowServices
from adapters.teams.route import TEAMS_PATH, teams_route
from adapters.teams.service import TeamsServing
from adapters.web_workers import bind_listening_socket
from bot.assistant import Assistant
from bot.health import ReadinessProbe
from bot.ports import FeedbackSink, InMemoryFeedback

LOG = logging.getLogger("policybot.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Background = Callable[[web.Application], AsyncIterator[None]]

SLACK_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class CannotListen(Exception):
    """The server cannot listen on its address (the port is taken, or not allowed)."""


def build_app(
    *,
    assistant: Assistant,
    slack_settings: SlackSettings,
    feedback: FeedbackSink | None = None,
    deduplicator: EventDeduplicator | None = None,
    slack_client: AsyncWebClient | None = None,
    workflows: WorkflowServices | None = None,
    teams: TeamsServing | None = None,
    readiness: ReadinessProbe | None = None,
) -> web.Application:
    """The aiohttp application: the Slack and Teams endpoints and the health check.

    `teams` adds POST /api/messages (without it, Teams is not served; with settings that do
    not enable Teams, the route answers 503);
    `feedback` and `deduplicator` default to in-memory implementations (one process);
    `slack_client` replaces the Web API client built from the settings; `workflows` (the
    database and the organisation) turns on the doubt check, the escalation and App Home;
    `readiness` backs GET /readyz (without it, /readyz answers 503).
    """
    limits = [slack_settings.slack_max_body_bytes]
    if teams is not None:
        limits.append(teams.settings.teams_max_body_bytes)
    # aiohttp applies client_max_size before any route; each route enforces its own limit.
    app = web.Application(client_max_size=max(limits), middlewares=[request_id_middleware])
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz(readiness))
    if teams is not None:
        route = teams_route(
            assistant=assistant,
            settings=teams.settings,
            references=teams.references,
            workflows=teams.workflows,
            feedback=teams.feedback,
        )
        app.router.add_post(TEAMS_PATH, route)
    if slack_client is None and slack_settings.slack_enabled:
        slack_client = build_web_client(slack_settings)
        app.cleanup_ctx.append(shared_http_session(slack_client))
    app.router.add_post(
        SLACK_PATH,
        slack_route(
            assistant=assistant,
            settings=slack_settings,
            feedback=feedback if feedback is not None else InMemoryFeedback(),
            deduplicator=deduplicator if deduplicator is not None else InMemoryEventDeduplicator(),
            client=slack_client,
            workflows=workflows,
        ),
    )
    return app


def shared_http_session(client: AsyncWebClient) -> Background:
    """An aiohttp cleanup context: one HTTP session (kept-alive connections) for the Web API.

    Without it slack_sdk opens a new session, and a new connection (a TLS handshake), for
    every call; Bolt's per-request clients take the session from this client.
    """

    async def run(_app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=client.timeout)
        client.session = aiohttp.ClientSession(timeout=timeout)
        yield
        await client.session.close()

    return run


def slack_route(
    *,
    assistant: Assistant,
    settings: SlackSettings,
    feedback: FeedbackSink,
    deduplicator: EventDeduplicator,
    client: AsyncWebClient | None,
    workflows: WorkflowServices | None = None,
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
        workflows=workflows,
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
    workflows: WorkflowServices | None = None,
    background: Sequence[Background] = (),
    teams: TeamsServing | None = None,
    options: ServeOptions | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM, on `host` and the port from PORT (default 3978).

    `background` are aiohttp cleanup contexts run alongside (e.g. the outbox dispatcher);
    `options` adds readiness, more of them (hot reload) and the shutdown timeout. On SIGTERM
    the listener closes first, requests in flight get up to the shutdown timeout to finish,
    then the background contexts are stopped (the dispatcher's loop ends cleanly).
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = build_app(
        assistant=assistant,
        slack_settings=slack_settings,
        feedback=feedback,
        deduplicator=deduplicator,
        workflows=workflows,
        teams=teams,
        readiness=options.readiness if options else None,
    )
    app.cleanup_ctx.extend(background)
    app.cleanup_ctx.extend(options.background if options else ())
    sock = options.sock if options and options.sock else listen(host, slack_settings.port)
    LOG.info("serving on http://%s:%s", host, slack_settings.port)
    use_uvloop()
    web.run_app(
        app,
        sock=sock,
        print=None,
        shutdown_timeout=options.shutdown_timeout if options else 30.0,
        handle_signals=True,
        access_log=None,  # request_id_middleware logs each request, with its id
    )
    LOG.info("stopped")


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host`:`port`; CannotListen (naming PORT) when there is none."""
    try:
        return bind_listening_socket(host, port)
    except OSError as exc:
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def use_uvloop() -> None:
    """Serve on uvloop's event loop where it is installed (not on Windows).

    The load benchmark measured a quarter less CPU per event than with asyncio's own loop
    (benchmarks/load_slack.py, README "Load"); the code runs unchanged on either loop.
    """
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows: asyncio's loop
        LOG.info("uvloop is not installed; serving on asyncio's event loop")
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    LOG.info("event loop: uvloop")
