"""The outbox's idempotency keys for request notifications, built and read in one place.

A key names the request, the event and (for a message to one person) the recipient:
"r12:submitted:directeur@school.example", "r12:thread", "r12:note3". Keys are stored in the
outbox and by the platform ports (the message they sent for it), so the format never changes:
`OutboxKey` builds it, `request_id_of` reads the request back (a port may add a suffix of its
own, like "#0" for one of several personal threads).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REQUEST = re.compile(r"^r(\d+):")


@dataclass(frozen=True)
class OutboxKey:
    """The key of one notification about request `request_id`."""

    request_id: int
    event: str
    recipient: str = ""

    def __str__(self) -> str:
        base = f"r{self.request_id}:{self.event}"
        return f"{base}:{self.recipient}" if self.recipient else base


def request_key(request_id: int, event: str, recipient: str = "") -> str:
    """The key as stored: `str(OutboxKey(...))`."""
    return str(OutboxKey(request_id, event, recipient))


def request_id_of(key: str) -> int | None:
    """The request an outbox key is about; None for keys of other kinds."""
    found = _REQUEST.match(key)
    return int(found.group(1)) if found else None


def loggable(key: str) -> str:
    """The part of a key that may be logged: the request, never the recipient's address."""
    number = request_id_of(key)
    return f"r{number}" if number is not None else "(no request)"
