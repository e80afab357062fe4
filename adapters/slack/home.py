"""The App Home tab: how to use the app, my open requests, and what waits for me (leaders)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import modals
from adapters.slack.identity import IdentityUnavailable
from adapters.slack.workflows import WorkflowServices
from bot.models import Lang
from bot.workflows.base import FINAL_STATES, Actor, Context
from bot.workflows.queries import RequestSummary, list_text, visible_requests

LOG = logging.getLogger("policybot.slack.home")
HOME_EVENT = "app_home_opened"


def register_home(app: AsyncApp, services: WorkflowServices) -> None:
    """Publish the Home tab whenever someone opens it."""

    @app.event(HOME_EVENT)
    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str) or not user:
            return
        try:
            email = await services.identities.email_of(client, user)
        except IdentityUnavailable:  # the tab keeps its last view until it is opened again
            return
        view = await asyncio.to_thread(home_for, services.ctx, email, "nl")
        await client.views_publish(user_id=user, view=view)


def home_for(ctx: Context, email: str | None, lang: Lang) -> dict[str, Any]:
    """The Home view for `email` (someone unknown sees the instructions only)."""
    if email is None:
        return modals.home_view(lang, [], None)
    items = [
        i for i in visible_requests(ctx, Actor(email, "slack")) if i.status not in FINAL_STATES
    ]
    mine = [i for i in items if i.requester == email]
    leads = any(school.is_leader(email) for school in ctx.org.schools)
    waiting = [i for i in items if i.requester != email] if leads else None
    return modals.home_view(lang, _lines(ctx, mine, lang) or [], _lines(ctx, waiting, lang))


def _lines(ctx: Context, items: list[RequestSummary] | None, lang: Lang) -> list[str] | None:
    if items is None:
        return None
    if not items:
        return []
    return list_text(ctx, items).get(lang).splitlines()
