"""Conversation context: a short memory per conversation, so follow-ups are understood.

Staff do not ask one question and leave: "Mag ik foto's van mijn klas op Instagram zetten?" is
followed by "en als de ouders toestemming geven?" or "what about LinkedIn?". The memory holds,
per conversation key (`IncomingMessage.conversation`: a Slack DM or thread, a Teams
conversation, a console session), the last answered clause, the question it answered, the
language and the time. It expires after an idle time (POLICYBOT_CONVERSATION_MINUTES, default
10) and is never logged.

Where it lives: in the database when the workflows have one (`DbContexts`), so that several
`serve` processes share it; in memory (`MemoryContexts`) for a single process (the terminal,
`ask`). Expired rows are deleted as new ones are written (at most once a minute per process),
so no question text outlives the idle time by more than a minute and the next message.

The rules (`FollowUpRules`) decide whether a message is read together with the previous one:
- "waarom?" / "why?" alone asks for the rationale of the last clause;
- a message that starts like a follow-up ("en ...", "and ...", "ook ...", "what about ...",
  "wat als ..."), or a short one that points back ("dan", "daar") or that the matcher cannot
  place with confidence on its own (but not one it confidently places outside the protocol),
  is matched again as the previous question plus this one;
- the combined reading is used only when it is confident and more confident than the message
  alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, SystemClock
from bot.models import Lang, MatchResult
from bot.store.db import Store
from bot.store.models import ConversationRow
from bot.text import fold

IDLE = timedelta(minutes=10)
PURGE_EVERY = timedelta(minutes=1)
MAX_QUESTION = 400
MAX_KEY = 200
MAX_REMEMBERED = 10_000

WHY_WORDS = frozenset({"waarom", "hoezo", "why", "how come"})
WHY_FILLERS = frozenset(
    {
        *("eigenlijk", "dan", "niet", "dat", "dit", "het", "zo", "zomaar", "is", "mag", "moet"),
        *("that", "this", "it", "not", "so", "then", "is", "can't", "cant", "exactly"),
    }
)
REFERRING = frozenset(
    {
        *("dan", "daar", "daarin", "daarop", "daarvan", "daarmee", "daarvoor", "ervan"),
        *("then", "there", "them", "those"),
    }
)
"""Words that point back to what was said before ("wat moet ik dan wel doen?"); not "dat",
"die" or "it", which most self-contained questions use too."""
FOLLOW_UP_OPENINGS = (
    *("en ", "maar ", "ook ", "dus ", "of ", "wat als ", "en als ", "hoe zit het met ", "geldt "),
    *("and ", "but ", "also ", "so ", "or ", "what about ", "what if ", "how about ", "does "),
)


@dataclass(frozen=True)
class Remembered:
    """What a conversation was last about."""

    clause_id: str
    question: str
    lang: Lang
    at: datetime


class ContextStore(Protocol):
    """Keeps one `Remembered` per conversation key, for `idle` at most."""

    def recall(self, key: str, now: datetime) -> Remembered | None:
        """The conversation's context, unless it is older than the idle time."""
        ...

    def remember(self, key: str, context: Remembered) -> None:
        """Replace the conversation's context."""
        ...


class MemoryContexts:
    """In one process: a bounded dictionary, oldest conversations dropped first."""

    def __init__(self, idle: timedelta = IDLE, *, limit: int = MAX_REMEMBERED) -> None:
        self.idle = idle
        self.limit = limit
        self._items: OrderedDict[str, Remembered] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, key: str, now: datetime) -> Remembered | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found.at > self.idle:
                del self._items[key]
                return None
            return found

    def remember(self, key: str, context: Remembered) -> None:
        with self._lock:
            self._items[key] = context
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)


class DbContexts:
    """In the database, shared by every process; a database fault forgets, never fails."""

    def __init__(self, store: Store, idle: timedelta = IDLE) -> None:
        self.store = store
        self.idle = idle
        self._purged_at: datetime | None = None  # expired rows go at most once a minute

    def recall(self, key: str, now: datetime) -> Remembered | None:
        try:
            with self.store.transaction() as session:
                row = session.get(ConversationRow, key[:MAX_KEY])
                if row is None or now - row.updated_at > self.idle:
                    return None
                lang: Lang = "en" if row.lang == "en" else "nl"
                return Remembered(row.clause_id, row.question, lang, row.updated_at)
        except SQLAlchemyError:
            return None  # without context the message is answered on its own

    def remember(self, key: str, context: Remembered) -> None:
        try:
            with self.store.transaction() as session:
                if self._purge_due(context.at):
                    session.execute(
                        delete(ConversationRow).where(
                            ConversationRow.updated_at < context.at - self.idle
                        )
                    )
                row = session.get(ConversationRow, key[:MAX_KEY]) or ConversationRow(
                    key=key[:MAX_KEY]
                )
                row.clause_id = context.clause_id
                row.question = context.question[:MAX_QUESTION]
                row.lang = context.lang
                row.updated_at = context.at
                session.add(row)
        except SQLAlchemyError:
            return

    def _purge_due(self, now: datetime) -> bool:
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return False
        self._purged_at = now
        return True

    def count(self) -> int:
        """How many conversations are remembered (for tests and the operator)."""
        with self.store.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(ConversationRow)) or 0)


@dataclass(frozen=True)
class FollowUpRules:
    """When a message is read together with the previous question (see the module docstring)."""

    max_words: int = 8
    """A message this short may lean on the previous one (unsure alone, or pointing back)."""
    max_words_opening: int = 20
    """A message that opens like a follow-up ("en als ...") may be this long."""
    alone_confidence: float = 0.6
    """Below this, a short message alone is not placed with confidence."""


def is_why(question: str) -> bool:
    """ "waarom?", "why?", "waarom eigenlijk?", "why is that?": asking for the reason of what
    was said, not a question of its own ("waarom mag ik geen foto's delen?")."""
    words = fold(question).split()
    for size in (2, 1):
        if " ".join(words[:size]) in WHY_WORDS:
            return all(w in WHY_FILLERS for w in words[size:])
    return False


def looks_like_follow_up(question: str, alone: MatchResult, rules: FollowUpRules) -> bool:
    """A message that opens like a follow-up, or a short one that points back or that alone
    is unplaced or unsure."""
    folded = fold(question).strip()
    words = folded.split()
    if not words or len(words) > rules.max_words_opening:
        return False
    if (folded + " ").startswith(FOLLOW_UP_OPENINGS):
        return True
    if len(words) > rules.max_words:
        return False
    return is_unsure(alone, rules) or any(w in REFERRING for w in words)


def is_unsure(alone: MatchResult, rules: FollowUpRules) -> bool:
    """The matcher could not place the message: low confidence, not a confident "outside the
    protocol" ("Wat kost de schoolreis?" stays outside, whatever came before)."""
    best = alone.best
    if alone.abstained:
        return alone.reason == "low_confidence"
    return best is None or best.confidence < rules.alone_confidence


def combined_question(previous: str, question: str) -> str:
    """The previous question and the follow-up, read as one."""
    return f"{previous.strip()} {question.strip()}"


def better_in_context(alone: MatchResult, combined: MatchResult) -> bool:
    """Whether the combined reading should answer: confident, and more so than alone."""
    best = combined.best
    if combined.abstained or best is None:
        return False
    mine = alone.best
    return alone.abstained or mine is None or best.confidence > mine.confidence


def conversations_for(minutes: float, store: Store | None = None) -> Conversations | None:
    """The conversations of POLICYBOT_CONVERSATION_MINUTES (0: no context), kept in `store`
    when given (shared by every process), else in this process's memory."""
    if minutes <= 0:
        return None
    idle = timedelta(minutes=minutes)
    return Conversations(DbContexts(store, idle) if store else MemoryContexts(idle))


class Conversations:
    """The context store, the clock and the rules, as the assistant uses them."""

    def __init__(
        self,
        store: ContextStore | None = None,
        *,
        clock: Clock | None = None,
        rules: FollowUpRules | None = None,
    ) -> None:
        self.store: ContextStore = store or MemoryContexts()
        self.clock = clock or SystemClock()
        self.rules = rules or FollowUpRules()

    def recall(self, key: str) -> Remembered | None:
        """The conversation's context, if it has a key and is recent."""
        return self.store.recall(key, self.clock.now()) if key else None

    def remember(self, key: str, clause_id: str, question: str, lang: Lang) -> None:
        """Keep what this conversation is now about."""
        if key:
            context = Remembered(clause_id, question[:MAX_QUESTION], lang, self.clock.now())
            self.store.remember(key, context)
