"""Slack's assistant pane ("Agents & AI Apps"): a split-pane thread with the app, on Bolt's
AsyncAssistant middleware.

- **Thread started:** a short greeting and three suggested prompts: a photo question,
  "Ik twijfel over een bericht" (its answer offers the B.3 doubt check) and "Een discussie
  loopt uit de hand" (its answer offers the B.2 escalation). Their language is the user's
  Slack locale (users.info with include_locale): English for an English locale, Dutch for any
  other. When Slack cannot say, the prompts are Dutch with titles in both languages, and the
  greeting is in both.
- **A question in the thread:** the status "denkt na…" / "is thinking…" (in the locale's
  language), the thread's title from its first question, then the answer, posted by the DM's
  own path (`answer_event` in app.py): the same core, blocks, buttons and outbox, so the
  doubt-check and escalation buttons open their modals as anywhere else. Posting the answer
  clears the status (Slack does that).
- **The viewed channel** (assistant_thread_context_changed) is kept by Bolt's default handler in
  the greeting's metadata; answers do not depend on it.

Bolt hands every threaded DM message to the pane (it cannot tell an assistant thread from a
plain DM thread), so a DM thread in a workspace without the pane is answered here too; its
status and title calls then fail harmlessly, as they are best effort. Top-level DMs, mentions
and slash commands never reach the pane.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import (
    AsyncApp,
    AsyncAssistant,
    AsyncBoltContext,
    AsyncSay,
    AsyncSetStatus,
    AsyncSetSuggestedPrompts,
    AsyncSetTitle,
)
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.chat_port import EVENT_TYPE
from adapters.slack.events import Body, is_from_a_person
from adapters.slack.mrkdwn import escape, to_plain
from bot.models import Lang, Localized

LOG = logging.getLogger("policybot.slack.pane")

PANE_EVENTS = ("assistant_thread_started", "assistant_thread_context_changed")
TITLE_CHARS = 60  # the pane's thread list shows about this much
LOOKUP_SECONDS = 1.5
THREAD_LOOKUP_LIMIT = 20
# What a best-effort pane call may raise (as app.py's DELIVERY_ERRORS).
PANE_ERRORS = (SlackClientError, aiohttp.ClientError, TimeoutError, ValueError)

AnswerEvent = Callable[[Body, AsyncWebClient, str | None], Awaitable[None]]
"""Answer a message event in its thread: app.py's path for a DM (body, client, bot user id)."""

GREETING = Localized(
    "Hoi! Ik beantwoord vragen over het social-media-protocol. Twijfel je over een bericht, of "
    "loopt een discussie online uit de hand? Dan help ik je je directeur in te schakelen.",
    "Hi! I answer questions about the social-media protocol. In doubt about a post, or is an "
    "online discussion getting out of hand? I will help you bring in your director.",
)
PROMPTS_TITLE = Localized("Waarmee kan ik je helpen?", "How can I help?")
THINKING = Localized("denkt na…", "is thinking…")


@dataclass(frozen=True)
class Prompt:
    """A suggested prompt: the title the pane shows, and the message it sends when chosen."""

    title: Localized
    message: Localized


PROMPTS = (
    Prompt(
        Localized("Foto's van mijn klas online?", "Photos of my class online?"),
        Localized(
            "Mag ik foto's van mijn klas op Instagram zetten?",
            "Can I post photos of my class on Instagram?",
        ),
    ),
    Prompt(
        Localized("Ik twijfel over een bericht", "I'm unsure about a post"),
        Localized("Ik twijfel over een bericht", "I'm unsure about a post"),
    ),
    Prompt(
        Localized("Een discussie loopt uit de hand", "A discussion is getting out of hand"),
        Localized("Een discussie loopt uit de hand", "A discussion is getting out of hand"),
    ),
)


def register_assistant_pane(app: AsyncApp, answer: AnswerEvent) -> AsyncAssistant:
    """The pane's listeners, as Bolt middleware on `app` (after the de-duplication)."""
    pane = AsyncAssistant(logger=logging.getLogger("policybot.slack.bolt"))
    languages = UserLanguages()

    async def on_thread_started(
        event: Body,
        client: AsyncWebClient,
        say: AsyncSay,
        set_suggested_prompts: AsyncSetSuggestedPrompts,
    ) -> None:
        thread = event.get("assistant_thread")
        user = thread.get("user_id") if isinstance(thread, dict) else None
        lang = await languages.of(client, user if isinstance(user, str) else "")
        await welcome(say, set_suggested_prompts, lang)

    async def on_question(
        body: Body,
        event: Body,
        context: AsyncBoltContext,
        client: AsyncWebClient,
        set_status: AsyncSetStatus,
        set_title: AsyncSetTitle,
    ) -> None:
        bot = context.bot_user_id
        if not is_from_a_person(event, bot):
            return
        lang = await languages.of(client, event["user"])
        await best_effort(set_status(THINKING.get(lang or "nl")), "setStatus")
        title = title_of(event["text"], bot_user_id=bot)
        if title and await is_first_question(client, event["channel"], event["thread_ts"]):
            await best_effort(set_title(title), "setTitle")
        await answer(body, client, bot)

    pane.thread_started(on_thread_started)
    pane.user_message(on_question)
    app.assistant(pane)
    return pane


async def welcome(
    say: AsyncSay, set_suggested_prompts: AsyncSetSuggestedPrompts, lang: Lang | None
) -> None:
    """The greeting, then the suggested prompts, in `lang` (None: Slack did not say)."""
    greeting = blocks.notice(escape(in_language(GREETING, lang, joiner="\n\n")))
    await best_effort(say(text=greeting.text, blocks=greeting.blocks), "greeting")
    await best_effort(
        set_suggested_prompts(prompts=prompts_for(lang), title=in_language(PROMPTS_TITLE, lang)),
        "setSuggestedPrompts",
    )


def prompts_for(lang: Lang | None) -> list[dict[str, str]]:
    """The suggested prompts; without a language, Dutch prompts with titles in both."""
    return [
        {"title": in_language(p.title, lang), "message": p.message.get(lang or "nl")}
        for p in PROMPTS
    ]


def in_language(text: Localized, lang: Lang | None, *, joiner: str = " / ") -> str:
    """`text` in `lang`; Dutch first, then English, when the language is not known."""
    if lang is not None or text.nl == text.en:
        return text.get(lang or "nl")
    return f"{text.nl}{joiner}{text.en}"


def title_of(raw_text: str, *, bot_user_id: str | None = None) -> str:
    """A thread title from a question: plain text on one line, clipped at a word."""
    plain = re.sub(r"\s+", " ", to_plain(raw_text, bot_user_id=bot_user_id)).strip()
    return clip(plain, TITLE_CHARS)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word when one ends late enough, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:!?-") + "…"


async def is_first_question(client: AsyncWebClient, channel: str, thread_ts: str) -> bool:
    """Whether the thread holds no answer of ours yet (our answers carry our metadata type).

    Asked of Slack rather than remembered, so that every `serve` process agrees. When Slack
    cannot say, the answer is no: better no title than one from a later question.
    """
    try:
        found = await asyncio.wait_for(
            client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=THREAD_LOOKUP_LIMIT
            ),
            LOOKUP_SECONDS,
        )
    except PANE_ERRORS as exc:
        LOG.info("slack: conversations.replies for a title failed: %s", type(exc).__name__)
        return False
    messages = found.get("messages") or []
    return not any(isinstance(m, dict) and is_our_answer(m) for m in messages)


def is_our_answer(message: Body) -> bool:
    """Whether a message of a thread is one of our answers (by its metadata)."""
    metadata = message.get("metadata")
    return isinstance(metadata, dict) and metadata.get("event_type") == EVENT_TYPE


async def best_effort(call: Awaitable[Any], what: str) -> None:
    """Await a pane call; a failure is logged (ids only) and does not stop the answer."""
    try:
        await call
    except PANE_ERRORS as exc:
        LOG.info("slack: pane %s failed: %s", what, type(exc).__name__)


class UserLanguages:
    """The language of each user's Slack client, from users.info's locale, cached per process.

    English for an "en-…" locale, Dutch for any other; None when Slack did not say (not cached,
    so a later thread asks again).
    """

    def __init__(self, *, max_size: int = 5000, lookup_seconds: float = LOOKUP_SECONDS) -> None:
        self.max_size = max_size
        self.lookup_seconds = lookup_seconds
        self._known: dict[str, Lang] = {}

    async def of(self, client: AsyncWebClient, user_id: str) -> Lang | None:
        """The user's language, or None when it is not known."""
        if not user_id:
            return None
        if user_id not in self._known:
            locale = await self._locale(client, user_id)
            if locale is None:
                return None
            if len(self._known) >= self.max_size:
                self._known.clear()
            self._known[user_id] = "en" if locale.lower().startswith("en") else "nl"
        return self._known[user_id]

    async def _locale(self, client: AsyncWebClient, user_id: str) -> str | None:
        try:
            response = await asyncio.wait_for(
                client.users_info(user=user_id, include_locale=True), self.lookup_seconds
            )
        except PANE_ERRORS as exc:
            LOG.info("slack: users.info locale for %s failed: %s", user_id, type(exc).__name__)
            return None
        user = response.get("user")
        locale = user.get("locale") if isinstance(user, dict) else None
        return locale if isinstance(locale, str) and locale else None


__all__ = [
    "PANE_EVENTS",
    "PROMPTS",
    "UserLanguages",
    "clip",
    "prompts_for",
    "register_assistant_pane",
    "title_of",
]
