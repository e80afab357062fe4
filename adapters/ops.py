"""Operational pieces of the web server: request ids, readiness, and hot reload.

- `request_id_middleware` gives every request an id (or keeps a sane incoming `X-Request-Id`),
  puts it on every log line of the request (bot.logs.request_id) and in the response header;
- `readyz` answers 200 when the process is ready for traffic, else 503 naming what is not;
- `reload_in_background` polls the knowledge and org files and swaps them in when valid;
- `serve_options` wires these for `policybot serve`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.assistant import Assistant
from bot.conversation import conversations_for
from bot.dispatcher import Dispatcher
from bot.health import ReadinessProbe
from bot.logs import request_id
from bot.org import Org
from bot.questions import BatchingQuestionLog, recent_clause_counts
from bot.reload import ReloadableAssistant, Reloader
from bot.settings import Settings
from bot.store.db import Store
from bot.suggestions import CachedPopularity

LOG = logging.getLogger("policybot.server")

REQUEST_ID_HEADER = "X-Request-Id"
READY_PATH = "/readyz"
_SANE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Background = Callable[[web.Application], AsyncIterator[None]]


def incoming_or_new_id(value: str | None) -> str:
    """The caller's request id when it is short and plain, else a new one."""
    return value if value and _SANE_ID.match(value) else uuid.uuid4().hex


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Assign the request id, log the request's outcome, and return the id in the header."""
    rid = incoming_or_new_id(request.headers.get(REQUEST_ID_HEADER))
    token = request_id.set(rid)
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[REQUEST_ID_HEADER] = rid
            LOG.info("%s %s -> %s", request.method, request.path, exc.status)
            raise
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = rid
        LOG.info("%s %s -> %s", request.method, request.path, response.status)
        return response
    finally:
        request_id.reset(token)


def readyz(probe: ReadinessProbe | None) -> Handler:
    """GET /readyz: 200 {"status": "ready"}, or 503 {"status": "not_ready", "problems": {...}}."""

    async def handler(_request: web.Request) -> web.Response:
        if probe is None:
            problems = {"readiness": "no readiness checks configured"}
        else:
            problems = await asyncio.to_thread(probe.problems)
        if problems:
            return web.json_response({"status": "not_ready", "problems": problems}, status=503)
        return web.json_response({"status": "ready"})

    return handler


def reload_in_background(reloader: Reloader, *, interval: float) -> Background:
    """An aiohttp cleanup context: poll for edits every `interval` seconds until shutdown."""

    async def run(_app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_poll(reloader, interval))
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    return run


async def _poll(reloader: Reloader, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(reloader.check)  # loading and indexing block: off the loop
        except Exception:  # a watcher must never die: log and keep polling
            LOG.exception("hot reload check failed")


@dataclass(frozen=True)
class ServeOptions:
    """What `policybot serve` adds to the web server besides the platforms."""

    readiness: ReadinessProbe | None = None
    background: tuple[Background, ...] = ()
    shutdown_timeout: float = 30.0
    org: Org | None = None  # the (reloadable) organisation the workflows should use
    sock: socket.socket | None = None  # a listening socket shared by web workers, else bind


def serve_options(
    settings: Settings, assistant: Assistant, build: Callable[[], Assistant]
) -> tuple[ReloadableAssistant, ServeOptions]:
    """The reloadable assistant and the readiness, reload and shutdown options of a server.

    `build` loads and indexes the knowledge again (hot reload). The readiness probe and the
    question log share an engine of their own; SQLite is migrated on open, PostgreSQL by
    `policybot db upgrade` (release).
    """
    store = Store.open(settings.database_url)
    questions = BatchingQuestionLog(store)
    conversations = conversations_for(settings.conversation_minutes, store)
    assistant.popularity = CachedPopularity(recent_clause_counts(store))
    reloadable = ReloadableAssistant(assistant, questions=questions, conversations=conversations)
    reloader = Reloader(
        reloadable, build, knowledge_folder=settings.knowledge_dir, org_file=settings.org
    )
    probe = ReadinessProbe(
        engine=store.engine,
        knowledge=lambda: None if reloadable.knowledge.clauses else "no clauses loaded",
        org=lambda: reloader.org_error if reloader.org is None else None,
    )
    background: tuple[Background, ...] = (closed_on_shutdown(questions),)
    if settings.reload_seconds > 0:
        background += (reload_in_background(reloader, interval=settings.reload_seconds),)
    return reloadable, ServeOptions(
        readiness=probe,
        background=background,
        shutdown_timeout=settings.shutdown_timeout_seconds,
        org=reloader.org,
    )


def closed_on_shutdown(questions: BatchingQuestionLog) -> Background:
    """An aiohttp cleanup context: the question log writes what is queued when serving stops."""

    async def run(_app: web.Application) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(questions.close)

    return run


def dispatcher_in_background(dispatcher: Dispatcher, *, interval: float) -> Background:
    """An aiohttp cleanup context: the dispatcher loop in a thread, stopped on shutdown."""

    async def run(_app: web.Application) -> AsyncIterator[None]:
        stop = threading.Event()
        task = asyncio.create_task(
            asyncio.to_thread(dispatcher.run, interval=interval, stop=stop.is_set)
        )
        yield
        stop.set()
        await task

    return run
