"""The question log: what staff asked, per clause, for `policybot report`.

Privacy by construction: a row has no user id, no hash and no school, only the moment, the
platform, the language, the outcome and the clause. The text is kept only for the questions
the knowledge should learn from (declined, did-you-mean, or answered with low confidence),
with email addresses and phone numbers masked, and `policybot purge` blanks it after the
retention period.

Noise never enters the log (`worth_logging`): numbers, commands, thanks and other one-word
acknowledgements, emoji, keyboard mashing and SQL-looking text. They are not questions, so they
would only fill the report's counts and the review queue.

Recording never costs staff their answer: a database fault is logged (without the text) and
the answer still goes out.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, insert, select
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

CHAT_WORDS = frozenset(
    {"exit", "quit", "stop", "doei", "help", "hulp", "menu", "annuleer", "cancel", "start"}
)
ACKNOWLEDGEMENTS = frozenset(
    {
        *("bedankt", "dank", "dankje", "dankjewel", "dankuwel", "je", "u", "wel", "jullie"),
        *("thanks", "thank", "you", "thx", "ty", "cheers", "merci"),
        *("ok", "oke", "oké", "okay", "okee", "oki", "prima", "top", "super", "mooi", "fijn"),
        *("goed", "cool", "great", "nice", "perfect", "ja", "nee", "yes", "no", "hoi", "hallo"),
        *("hi", "hello", "hey", "bye", "groetjes", "duidelijk", "helder", "lol", "haha"),
    }
)
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KEY_RUN = 4  # this many neighbouring keys in a row ("asdf", "hjkl") is mashing, not a word
VOWELS = frozenset("aeiouyáéíóúëïöüè")
WORD = re.compile(r"[^\W\d_]+")
SQL = re.compile(
    r"('\s*(;|or\s+'?\w+'?\s*=)|;\s*(drop|delete|insert|update|select|alter|truncate|exec)\b"
    r"|\b(drop|truncate|alter)\s+table\b|\bunion\s+(all\s+)?select\b|\bselect\s+\*\s+from\b"
    r"|\binsert\s+into\b|\bxp_cmdshell\b)",
    re.IGNORECASE,
)


class QuestionLog(Protocol):
    """Where the assistant in service records the questions it handled."""

    def record(self, message: IncomingMessage, reply: Reply) -> None:
        """Record one question and the reply it got."""
        ...


def worth_logging(text: str) -> bool:
    """Whether a message is a question worth logging: not a number, a command, a thank-you,
    emoji, keyboard mashing ("asdfghjkl") or SQL-looking text ("'; DROP TABLE x; --").

    The one rule every recorder applies, so noise never reaches the report or the review queue.
    """
    stripped = text.strip()
    words = WORD.findall(stripped.casefold())
    if not words or stripped.startswith("/") or SQL.search(stripped):
        return False
    if len(words) == 1 and words[0] in CHAT_WORDS:
        return False
    return not all(w in ACKNOWLEDGEMENTS for w in words) and not all(map(_mashed, words))


def _mashed(word: str) -> bool:
    """Keyboard mashing: a run of neighbouring keys, no vowel at all, or one or two letters
    repeated ("hhhhh", "ababab")."""
    if len(word) < 4:
        return False
    runs = (word[i : i + KEY_RUN] for i in range(len(word) - KEY_RUN + 1))
    on_a_row = any(run in row or run in row[::-1] for run in runs for row in KEYBOARD_ROWS)
    return on_a_row or not VOWELS.intersection(word) or (len(word) >= 5 and len(set(word)) <= 2)


def loggable(message: IncomingMessage, reply: Reply) -> bool:
    """Whether a handled message goes into the question log: a question, answered or declined
    (greetings and help are not), that is `worth_logging`."""
    return reply.kind in LOGGED_KINDS and worth_logging(message.text)


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
        """Insert one row for an answered or declined question; greetings and noise are not
        logged."""
        if not loggable(message, reply):
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
        """Queue one row for an answered or declined question; greetings and noise are not
        logged."""
        if loggable(message, reply):
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


def clause_counts(store: Store, since: datetime) -> dict[str, int]:
    """How often each clause was answered since `since`: the traffic that orders an answer's
    suggested next questions (bot/suggestions.py)."""
    query = (
        select(QuestionRow.clause_id, func.count())
        .where(QuestionRow.asked_at >= since, QuestionRow.clause_id.is_not(None))
        .group_by(QuestionRow.clause_id)
    )
    with store.transaction() as session:
        return {str(clause): int(count) for clause, count in session.execute(query).all()}


def recent_clause_counts(
    store: Store, *, days: int = 30, clock: Clock | None = None
) -> Callable[[], dict[str, int]]:
    """A reader of the last `days` days' counts per clause, for `CachedPopularity`."""
    moment = clock or SystemClock()
    return lambda: clause_counts(store, moment.now() - timedelta(days=days))
