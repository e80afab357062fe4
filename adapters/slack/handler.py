"""aiohttp ↔ Bolt: translate the request, dispatch it, translate the response.

Thin on purpose (bolt-python's own adapters are the model). Guards come first, because Bolt
parses the body before it verifies the signature and answers 500 on a body it cannot read or
signature headers it cannot check, and logs the whole body of a request whose signature fails:
an oversized body is refused with 413, an unreadable one with 400 (401 when it is not signed by
Slack either), and any other request not signed by Slack with 401, so Bolt only ever sees
signed requests (and Slack's unsigned `ssl_check`, which it answers without reading further).
Bolt checks the signature again; everything else (routing, listeners) is Bolt's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.response import BoltResponse

from bot.text import has_unstorable_text

MAX_AGE_SECONDS = 5 * 60  # Slack's replay window, as Bolt applies it
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"

# The fields Bolt and our listeners read, with the shapes Slack sends them in. Bolt assumes these
# shapes; a signed body that breaks them would otherwise surface as a 500.
_STRINGS = frozenset(
    [
        "type",
        "subtype",
        "team_id",
        "user_id",
        "channel_id",
        "enterprise_id",
        "event_id",
        "ts",
        "thread_ts",
        "message_ts",
        "bot_id",
        "channel_type",
        "command",
        "response_url",
        "trigger_id",
        "action_id",
        "block_id",
        "callback_id",
        "value",
        "function_execution_id",
        "bot_access_token",
        "user_team",
        "app_installed_team_id",
        "api_app_id",
    ]
)
_IDENTITIES = frozenset({"user", "channel", "team", "enterprise"})  # an id, an object, or null
_OBJECTS = frozenset(
    [
        "event",
        "message",
        "previous_message",
        "item",
        "assistant_thread",
        "container",
        "view",
        "function_data",
    ]
)
_LISTS = frozenset({"authorizations", "actions", "response_urls"})
_VIEW_TYPES = frozenset({"view_submission", "view_closed"})
_MAX_DEPTH = 6


class MalformedBody(ValueError):
    """The body is not what Slack sends: not UTF-8, not JSON/form, or the wrong shape."""


class SlackEventsHandler:
    """The aiohttp handler for `POST /slack/events`."""

    def __init__(self, app: AsyncApp, *, signing_secret: str, max_body_bytes: int) -> None:
        self.app = app
        self.secret = signing_secret.encode()
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one request from Slack."""
        if (request.content_length or 0) > self.max_body_bytes:
            return json_error(413, "payload_too_large")
        raw = await request.read()  # aiohttp's client_max_size answers 413 for chunked bodies
        headers = {name: request.headers.getall(name) for name in request.headers}
        signed = self.signed_by_slack(raw, request)
        try:
            bolt_request = to_bolt_request(raw, request.query_string, headers)
        except MalformedBody:
            return json_error(400, "bad_request") if signed else json_error(401, "invalid_request")
        if not signed and bolt_request.body.get("ssl_check") != "1":
            return json_error(401, "invalid_request")
        return to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def signed_by_slack(self, raw: bytes, request: web.Request) -> bool:
        """Slack's v0 signature check on the raw bytes, within Slack's replay window."""
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature_headers_readable(request):
            return False
        if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode() + b":" + raw
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


def signature_headers_readable(request: web.Request) -> bool:
    """Whether the signature headers can be checked at all: a timestamp of ASCII digits and an
    ASCII signature (int() and hmac.compare_digest raise on "soon", "1.5" or "v0=é")."""
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    return timestamp.isascii() and timestamp.isdigit() and signature.isascii()


def to_bolt_request(raw: bytes, query: str, headers: dict[str, list[str]]) -> AsyncBoltRequest:
    """Bolt's request for `raw`; MalformedBody when Bolt could not read it safely."""
    try:
        text = raw.decode("utf-8")
        body = parse_body(text, _content_type(headers))
        check_shape(body)
        if has_unstorable_text(body):
            raise MalformedBody("text")
        return AsyncBoltRequest(body=text, query=query, headers=dict(headers))
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        raise MalformedBody(type(exc).__name__) from exc


def check_shape(body: Any, depth: int = 0) -> None:
    """Refuse a payload whose fields do not have the shapes Slack sends (see `_STRINGS`...)."""
    if not isinstance(body, dict):
        raise MalformedBody("not an object")
    if depth > _MAX_DEPTH:
        return
    for name, value in body.items():
        if name in _STRINGS and not isinstance(value, str | None):
            raise MalformedBody(name)
        if name in _IDENTITIES:
            _check_identity(name, value)
        elif name in _OBJECTS:
            check_shape(value, depth + 1)
        elif name in _LISTS:
            _check_list(name, value, depth)
    if body.get("type") == "block_actions" and not body.get("actions"):
        raise MalformedBody("actions")
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        raise MalformedBody("event")
    _check_view_and_step(body, depth)


def _check_view_and_step(body: dict[str, Any], depth: int) -> None:
    """What Bolt indexes without looking: a submitted view's `type`, a workflow step's data."""
    if depth > 0:
        return
    view = body.get("view")
    view_type = view.get("type") if isinstance(view, dict) else None
    if body.get("type") in _VIEW_TYPES and not isinstance(view_type, str):
        raise MalformedBody("view")
    is_step = body.get("type") == "workflow_step_edit" or (
        body.get("type") == "view_submission" and view_type == "workflow_step"
    )
    if is_step and not isinstance(body.get("workflow_step"), dict):
        raise MalformedBody("workflow_step")


def _check_list(name: str, value: Any, depth: int) -> None:
    if not isinstance(value, list):
        raise MalformedBody(name)
    for item in value:
        check_shape(item, depth + 1)
        if name == "actions" and not isinstance(item.get("action_id"), str):
            raise MalformedBody("action_id")


def _check_identity(name: str, value: Any) -> None:
    if isinstance(value, dict):
        if not isinstance(value.get("id"), str | None):
            raise MalformedBody(name)
    elif not isinstance(value, str | None):
        raise MalformedBody(name)


def _content_type(headers: dict[str, list[str]]) -> str | None:
    for name, values in headers.items():
        if name.lower() == "content-type" and values:
            return values[0].split(";")[0].strip()
    return None


def to_aiohttp_response(response: BoltResponse) -> web.Response:
    """aiohttp's response for Bolt's."""
    content_type = response.headers.get("content-type", ["text/plain"])[0].split(";")[0]
    return web.Response(status=response.status, text=response.body, content_type=content_type)


def json_error(status: int, error: str, **details: Any) -> web.Response:
    """A JSON error response: {"error": ..., **details}."""
    return web.Response(
        status=status, text=json.dumps({"error": error, **details}), content_type="application/json"
    )
