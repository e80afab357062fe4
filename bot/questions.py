"""The question log: what staff asked, per clause, for `policybot report`.

Privacy by construction: a row has no user id, no hash and no school, only the moment, the
platform, the language, the outcome and the clause. The text is kept only for the questions
the knowledge should learn from (declined, did-you-mean, or answered with low confidence),
with email addresses and phone numbers masked, and `policybot purge` blanks it after the
retention period.

Recording never costs staff their answer: a database fault is logged (without the text) and
the answer still goes out.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, SystemClock
from bot.logs import redact
from bot.models import IncomingMessage, Reply
from bot.store.db import Store
from bot.store.models import QuestionRow

LOG = logging.getLogger("policybot.questions")

LOGGED_KINDS = frozenset({"answer", "did_you_mean", "out_of_scope"})
LOW_CONFIDENCE = 0.5
MAX_TEXT = 500
PHONE = re.compile(r"\+?\d[\d \-]{7,}\d")
PHONE_MASK = "[telefoon]"
LINGER_SECONDS = 0.05  # the writer waits this long for more rows: fewer, larger commits
INSERT = insert(QuestionRow)  # built once; executed with a list of rows (executemany)

Row = dict[str, Any]


class QuestionLog(Protocol):
    """Where the assistant in service records the questions it handled."""

    def record(self, message: IncomingMessage, reply: Reply) -> None:
        """Record one question and the reply it got."""
        ...


def needs_review(reply: Reply, *, low_confidence: float = LOW_CONFIDENCE) -> bool:
    """Whether the knowledge could learn from this question (its text is then kept)."""
    if reply.kind in ("out_of_scope", "did_you_mean"):
        return True
    return reply.confidence is not None and reply.confidence < low_confidence


def masked(text: str) -> str:
    """`text` shortened, with email addresses and phone numbers masked."""
    return PHONE.sub(PHONE_MASK, redact(text.strip()))[:MAX_TEXT]


def question_row(message: IncomingMessage, reply: Reply, moment: datetime) -> Row:
    """The values of the row for one handled question (plain values: no ORM object to build
    and flush per question)."""
    return {
        "asked_at": moment,
        "platform": message.user.platform[:20],
        "lang": reply.lang,
        "kind": reply.kind,
        "clause_id": reply.clause_id,
        "confidence": reply.confidence,
        "text": masked(message.text) if needs_review(reply) else None,
    }


def insert_rows(store: Store, rows: list[Row]) -> None:
    """Insert `rows` in one transaction (raises SQLAlchemyError)."""
    with store.engine.begin() as connection:
        connection.execute(INSERT, rows)


class DbQuestionLog:
    """The question log in the database (`questions`)."""

    def __init__(self, store: Store, *, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    def record(self, message: IncomingMessage, reply: Reply) -> None:
        """Insert one row for an answered or declined question; greetings are not logged."""
        if reply.kind not in LOGGED_KINDS:
            return
        try:
            insert_rows(self.store, [question_row(message, reply, self.clock.now())])
        except SQLAlchemyError as exc:
            LOG.warning("question not logged (%s); the answer was still sent", type(exc).__name__)


class BatchingQuestionLog:
    """A question log that writes from a background thread, many rows per transaction.

    Staff get their answer without waiting for a commit (an fsync on SQLite, a round trip on
    PostgreSQL): `record` only queues the row. The writer takes whatever has queued up, up to
    `batch` rows, and inserts them in one transaction. `close()` writes what is left; rows
    still queued when the process is killed are lost, which costs a count in the report, never
    an answer.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        batch: int = 200,
        linger: float = LINGER_SECONDS,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.batch = batch
        self.linger = linger
        self._queue: queue.SimpleQueue[Row | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_until_closed, daemon=True)
        self._writer.start()

    def record(self, message: IncomingMessage, reply: Reply) -> None:
        """Queue one row for an answered or declined question; greetings are not logged."""
        if reply.kind in LOGGED_KINDS:
            self._queue.put(question_row(message, reply, self.clock.now()))

    def close(self, timeout: float = 10.0) -> None:
        """Write every queued row, then stop the writer."""
        self._queue.put(None)
        self._writer.join(timeout)

    def _write_until_closed(self) -> None:
        closed = False
        while not closed:
            rows, closed = self._next_batch()
            if rows:
                self._insert(rows)

    def _next_batch(self) -> tuple[list[Row], bool]:
        rows: list[Row] = []
        item = self._queue.get()  # wait for the first, then a moment for more to join it
        if item is not None and self.linger > 0:
            time.sleep(self.linger)
        while item is not None:
            rows.append(item)
            if len(rows) >= self.batch or self._queue.empty():
                return rows, False
            item = self._queue.get()
        return rows, True

    def _insert(self, rows: list[Row]) -> None:
        try:
            insert_rows(self.store, rows)
        except SQLAlchemyError as exc:
            LOG.warning("%d question(s) not logged (%s)", len(rows), type(exc).__name__)
