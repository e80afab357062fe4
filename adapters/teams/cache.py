"""A small thread-safe cache with a size bound and an age limit, for per-process reuse.

The Teams adapter keeps a few things across turns that are costly to rebuild (connector
clients, `reuse.py`) or to write again (conversation references, `ports.py`). Keys can come
from requests (a serviceUrl, a person's AAD object id), so the cache never grows past
`max_entries` (the least recently used entry goes first), and an entry older than
`max_age` seconds counts as absent, so that what it stands for is rebuilt or re-read eventually.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Clock = Callable[[], float]


class BoundedCache(Generic[K, V]):
    """At most `max_entries` values, each usable for `max_age` seconds after it was stored."""

    def __init__(self, *, max_entries: int, max_age: float, clock: Clock = time.monotonic) -> None:
        if max_entries < 1 or max_age <= 0:
            raise ValueError("a cache needs room for one entry and a positive age limit")
        self.max_entries = max_entries
        self.max_age = max_age
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value stored for `key`, unless there is none or it is too old."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, value = entry
            if self._clock() - stored_at >= self.max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Store `value` for `key` (replacing any older one), evicting beyond the bound."""
        with self._lock:
            self._store(key, value)

    def put_if_absent(self, key: K, value: V) -> V:
        """Store `value` unless a usable value is already there; the value now cached.

        Two turns that both missed and both built a value agree on one of them this way.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._clock() - entry[0] < self.max_age:
                self._entries.move_to_end(key)
                return entry[1]
            self._store(key, value)
            return value

    def discard(self, key: K) -> None:
        """Forget `key` (nothing happens when it is not there)."""
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _store(self, key: K, value: V) -> None:
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
