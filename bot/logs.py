"""Structured logging: one JSON line per event, a request id per request, emails redacted.

The request id lives in a context variable, so every log line written while a request is being
handled (in the same task, or in threads started with `asyncio.to_thread`, which copies the
context) carries it. The redaction filter is a last line of defence: code never logs message
text or drafts, and any email address that slips through is replaced.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

LogFormat = Literal["json", "text"]

request_id: ContextVar[str | None] = ContextVar("policybot_request_id", default=None)

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
REDACTED = "[email]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def redact(text: str) -> str:
    """`text` with every email address replaced by a placeholder."""
    return EMAIL.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Replaces email addresses in the message and adds the current request id to the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message (arguments included); never drops a record."""
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request_id (and exc)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def make_handler(fmt: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """A stream handler (stderr by default) with the redaction filter and the formatter."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(fmt: LogFormat = "json", *, level: int = logging.INFO) -> None:
    """Route every logger through one redacting handler on stderr (replacing an earlier one)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "policybot", False)]:
        root.removeHandler(old)
    handler = make_handler(fmt)
    handler.policybot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
