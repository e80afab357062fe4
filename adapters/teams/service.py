"""Composition for `policybot serve` and `policybot dispatch` when Teams is configured.

- `with_teams(ctx)`: notifications may be routed to Teams (people with a `teams_id`);
- `teams_references(ctx)`: conversation references in the database, shared by every process;
- `teams_workflows(ctx)`: the doubt check and escalation for the Teams bot (`teams_route`);
- `teams_chat(ctx, settings, references)`: the dispatcher's `TeamsChat` port, which falls back
  to the deputy when a director cannot be reached (`adapters.teams.unreachable`);
  `teams_ports(ctx, settings)` is the same as `{"teams": ...}`, for `Dispatcher(ctx, ports)`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from botbuilder.integration.aiohttp import CloudAdapter  # type: ignore[import-untyped]

from adapters.ops import ServeOptions, dispatcher_in_background
from adapters.slack.settings import SlackSettings
from adapters.teams.auth import TokenSource, build_authentication
from adapters.teams.chat_port import TeamsChat
from adapters.teams.identity import TeamsIdentities
from adapters.teams.ports import ConversationReferenceStore, DbConversationReferences
from adapters.teams.reuse import CallLimits, ReusingAuthentication
from adapters.teams.service_url import sending_allowed
from adapters.teams.settings import TeamsSettings
from adapters.teams.unreachable import fall_back_to_deputy
from adapters.teams.workflows import TeamsWorkflows
from bot.assistant import Assistant
from bot.dispatcher import Dispatcher
from bot.knowledge import KnowledgeError
from bot.ports import FeedbackSink
from bot.runtime import backoff, build_context
from bot.settings import Settings
from bot.store.platform import DbFeedback
from bot.workflows.base import Context

PLATFORM = "teams"
LOG = logging.getLogger("policybot.teams.service")


@dataclass(frozen=True)
class TeamsServing:
    """What the web server needs for POST /api/messages: settings and, optionally, workflows."""

    settings: TeamsSettings
    workflows: TeamsWorkflows | None = None
    references: ConversationReferenceStore | None = None
    feedback: FeedbackSink | None = None


def teams_serving(ctx: Context, settings: TeamsSettings) -> TeamsServing:
    """Teams with the doubt check, the escalation, references and feedback in the database."""
    password = settings.microsoft_app_password  # keys the hash of the AAD ids in feedback rows
    key = password.get_secret_value() if password else (settings.microsoft_app_id or "teams")
    feedback = DbFeedback(ctx.store, secret=key.encode(), clock=ctx.clock)
    return TeamsServing(settings, teams_workflows(ctx), teams_references(ctx), feedback)


def serving_for(ctx: Context, settings: TeamsSettings) -> TeamsServing:
    """What `serve` gives the web server: Teams with its workflows when it is enabled, else
    only the settings (the route then answers 503 naming what is missing)."""
    return teams_serving(ctx, settings) if settings.teams_enabled else TeamsServing(settings)


def enabled(settings: TeamsSettings | None) -> TeamsSettings | None:
    """`settings` when Teams is enabled (an app id, or the local opt-in); else None."""
    return settings if settings is not None and settings.teams_enabled else None


def with_teams(ctx: Context) -> Context:
    """`ctx` with Teams among the platforms notifications are routed to."""
    platforms = ctx.settings.platforms
    if PLATFORM in platforms:
        return ctx
    return replace(ctx, settings=replace(ctx.settings, platforms=(*platforms, PLATFORM)))


def teams_references(ctx: Context) -> DbConversationReferences:
    """Conversation references in the workflow database."""
    return DbConversationReferences(ctx.store)


def teams_workflows(ctx: Context) -> TeamsWorkflows:
    """The doubt check and escalation services for the Teams bot."""
    return TeamsWorkflows(ctx, TeamsIdentities(ctx.org))


def teams_chat(
    ctx: Context,
    settings: TeamsSettings,
    references: ConversationReferenceStore,
    *,
    connector_token: TokenSource | None = None,
) -> TeamsChat:
    """The dispatcher's port for Teams (proactive messages through its own CloudAdapter)."""
    # Clients (and in production their Azure AD tokens) reused across messages, as for turns;
    # bounded calls without msrest's own retries (the outbox retries), so the lease covers them.
    limits = CallLimits(timeout=settings.teams_api_timeout_seconds, retries=0)
    authentication = build_authentication(settings, connector_token=connector_token)
    allowed = sending_allowed(settings.insecure_local)
    adapter = CloudAdapter(ReusingAuthentication(authentication, limits=limits, allowed=allowed))
    return TeamsChat(
        adapter,
        references,
        ctx.store,
        app_id=settings.microsoft_app_id,
        call_seconds=limits.call_seconds,
        on_unreachable=fall_back_to_deputy(ctx),
        org=ctx.org,  # who decides: the channel card refreshes for their Teams user ids
    )


def teams_ports(
    ctx: Context, settings: TeamsSettings, *, connector_token: TokenSource | None = None
) -> dict[str, TeamsChat]:
    """The dispatcher's ports for Teams: {"teams": TeamsChat}, with references in `ctx.store`."""
    chat = teams_chat(ctx, settings, teams_references(ctx), connector_token=connector_token)
    return {PLATFORM: chat}


def serve(
    assistant: Assistant,
    settings: Settings,
    slack: SlackSettings,
    teams: TeamsSettings,
    *,
    host: str,
    options: ServeOptions | None = None,
) -> None:
    """`policybot serve` without Slack: Teams with its workflows (when enabled), and the
    outbox dispatcher."""
    from adapters.server import run_server
    from adapters.workers import delivery_ports

    try:  # the org in service (hot reload: its edits reach the workflows), else the file
        ctx = build_context(settings, org=options.org if options else None)
    except KnowledgeError as exc:
        LOG.error("Teams workflows are off until the org file loads and serve restarts: %s", exc)
        run_server(
            assistant=assistant,
            slack_settings=slack,
            host=host,
            teams=TeamsServing(teams),
            options=options,
        )
        return
    if teams.teams_enabled:
        ctx = with_teams(ctx)
    ports = delivery_ports(ctx, teams=enabled(teams))
    dispatcher = Dispatcher(ctx, ports, backoff=backoff(settings))
    run_server(
        assistant=assistant,
        slack_settings=slack,
        host=host,
        background=[dispatcher_in_background(dispatcher, interval=settings.poll_seconds)],
        teams=serving_for(ctx, teams),
        options=options,
    )
