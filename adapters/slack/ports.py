"""The two small seams the Slack adapter needs from storage: feedback and event de-duplication.

Both come with an in-memory implementation (one process, the tests' default) and a
database-backed one (`policybot serve`: several web processes share PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from bot.clock import Clock, SystemClock
from bot.store.db import Store
from bot.store.platform import DbFeedback as DbFeedback
from bot.store.platform import first_seen, forget_seen_before


class EventDeduplicator(Protocol):
    """Remembers which Slack event ids were already taken, so a retried delivery is skipped."""

    def first_delivery(self, event_id: str) -> bool:
        """True the first time `event_id` is seen (and remember it); False on a repeat."""
        ...


class InMemoryEventDeduplicator:
    """Event ids remembered for `ttl_seconds`, at most `max_size` of them (oldest dropped first).

    Slack retries a delivery three times within about five minutes, so the default hour leaves
    a wide margin. Only one process sees these ids; several processes need a shared store.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = 3600.0,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_size = max_size
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_delivery(self, event_id: str) -> bool:
        """True the first time `event_id` is seen within the TTL; False on a repeat."""
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if event_id in self._expiry:
                return False
            self._expiry[event_id] = now + self.ttl_seconds
            while len(self._expiry) > self.max_size:
                self._expiry.popitem(last=False)
            return True

    def __len__(self) -> int:
        return len(self._expiry)

    def _forget_expired(self, now: float) -> None:
        # Insertion order is expiry order (one TTL for all), so expired ids sit at the front.
        while self._expiry:
            oldest, expires = next(iter(self._expiry.items()))
            if expires > now:
                return
            del self._expiry[oldest]


class DbEventDeduplicator:
    """Event ids in the database (`seen_events`): several processes answer each event once.

    The insert either creates the row or conflicts with another process's; ids older than
    `ttl` are deleted now and then (Slack stops retrying after minutes).
    """

    def __init__(self, store: Store, *, clock: Clock | None = None, ttl_hours: float = 24) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.ttl = timedelta(hours=ttl_hours)
        self._calls = 0

    def first_delivery(self, event_id: str) -> bool:
        """True for the first process to record `event_id`; False for a repeat."""
        self._calls += 1
        if self._calls % 1000 == 1:
            forget_seen_before(self.store, self.clock.now() - self.ttl)
        return first_seen(self.store, f"slack:{event_id}", self.clock.now())
