"""Composition for `policybot serve` and `policybot dispatch` when Slack is configured.

- the workflow context routes notifications to Slack (`platforms=("slack",)`);
- event ids and feedback go to the database (several processes share PostgreSQL);
- the dispatcher runs in a background thread of the web process, delivering through
  `SlackPort` (and the console inbox); `policybot dispatch` workers run the same one, and
  SELECT ... FOR UPDATE SKIP LOCKED keeps them from taking the same row;
- with `--socket-mode` (SLACK_APP_TOKEN), Slack's events come over a WebSocket instead of
  HTTP; the web server still answers /healthz.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web import WebClient

from adapters.console.port import ConsolePort
from adapters.ops import ServeOptions, dispatcher_in_background
from adapters.slack.app import build_bolt_app, build_web_client
from adapters.slack.chat_port import SlackPort
from adapters.slack.identity import Identities
from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from adapters.slack.settings import SlackSettings
from adapters.slack.workflows import WorkflowServices, thread_state
from adapters.teams.service import enabled, serving_for, with_teams
from adapters.teams.settings import TeamsSettings
from bot.assistant import Assistant
from bot.clock import Clock
from bot.dispatcher import Dispatcher
from bot.org import Org
from bot.ports import ChatPort
from bot.runtime import backoff, build_context, workflow_settings
from bot.settings import Settings
from bot.store.db import Store
from bot.workflows.base import Context

LOG = logging.getLogger("policybot.slack.service")
PLATFORMS = ("slack",)

Background = Callable[[web.Application], AsyncIterator[None]]


def slack_context(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    org: Org | None = None,
) -> Context:
    """The workflow context with Slack as the platform notifications are routed to."""
    ctx = build_context(settings, store=store, clock=clock, org=org)
    return replace(ctx, settings=workflow_settings(settings, platforms=PLATFORMS))


def sync_web_client(slack: SlackSettings) -> WebClient:
    """The dispatcher's client: no retry handlers, so a failure goes back to the outbox."""
    token = slack.slack_bot_token.get_secret_value() if slack.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=slack.slack_api_url,
        timeout=slack.slack_api_timeout_seconds,
        retry_handlers=[],
        logger=logging.getLogger("policybot.slack.web"),
    )


def slack_ports(ctx: Context, slack: SlackSettings) -> dict[str, ChatPort]:
    """The ports a Slack process delivers through: Slack, and the console inbox."""
    port = SlackPort(sync_web_client(slack), ctx.store, state_of=thread_state(ctx), clock=ctx.clock)
    return {"slack": port, "console": ConsolePort(ctx.clock)}


def socket_mode_in_background(make: Callable[[], AsyncSocketModeHandler]) -> Background:
    """An aiohttp cleanup context: the Socket Mode connection, closed on shutdown.

    The handler is made inside the running loop (its aiohttp session needs one).
    """

    async def run(_app: web.Application) -> AsyncIterator[None]:
        handler = make()
        await handler.connect_async()  # type: ignore[no-untyped-call]
        yield
        await handler.close_async()  # type: ignore[no-untyped-call]

    return run


def socket_mode_handler(
    slack: SlackSettings,
    *,
    assistant: Assistant,
    workflows: WorkflowServices,
    feedback: DbFeedback,
    deduplicator: DbEventDeduplicator,
) -> AsyncSocketModeHandler:
    """Bolt's Socket Mode handler around the same listeners as the HTTP endpoint."""
    if slack.slack_app_token is None:
        raise ValueError("SLACK_APP_TOKEN is required for Socket Mode")
    client = build_web_client(slack)
    app = build_bolt_app(
        assistant=assistant,
        settings=slack,
        feedback=feedback,
        deduplicator=deduplicator,
        client=client,
        workflows=workflows,
        socket_mode=True,
    )
    return AsyncSocketModeHandler(app, slack.slack_app_token.get_secret_value(), web_client=client)


def serve(
    assistant: Assistant,
    settings: Settings,
    slack: SlackSettings,
    *,
    host: str,
    socket_mode: bool = False,
    teams_settings: TeamsSettings | None = None,
    options: ServeOptions | None = None,
) -> None:
    """`policybot serve`: the web server, the dispatcher and (optionally) Socket Mode.

    `options` adds readiness, more background tasks, the shutdown timeout and the
    (reloadable) organisation.
    """
    from adapters.server import run_server
    from adapters.workers import delivery_ports

    # The org in service (hot reload: edits to the org file reach the workflows), else the file.
    ctx = slack_context(settings, org=options.org if options else None)
    teams_on = enabled(teams_settings)
    if teams_on is not None:
        ctx = with_teams(ctx)
    secret = slack.slack_signing_secret or slack.slack_bot_token
    feedback = DbFeedback(ctx.store, secret=secret.get_secret_value().encode() if secret else b"")
    deduplicator = DbEventDeduplicator(ctx.store)
    workflows = WorkflowServices(ctx, Identities(ctx.org))
    dispatcher = Dispatcher(
        ctx, delivery_ports(ctx, slack=slack, teams=teams_on), backoff=backoff(settings)
    )
    background = [dispatcher_in_background(dispatcher, interval=settings.poll_seconds)]
    if socket_mode:
        background.append(
            socket_mode_in_background(
                lambda: socket_mode_handler(
                    slack,
                    assistant=assistant,
                    workflows=workflows,
                    feedback=feedback,
                    deduplicator=deduplicator,
                )
            )
        )
    run_server(
        assistant=assistant,
        slack_settings=slack,
        host=host,
        feedback=feedback,
        deduplicator=deduplicator,
        workflows=workflows,
        background=background,
        teams=serving_for(ctx, teams_settings) if teams_settings else None,
        options=options,
    )
