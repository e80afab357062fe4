"""Suggested next questions: each answer offers two or three related questions to ask next.

They come from the clause's `related` list in protocol.yaml, most asked first: the question
log's counts per clause (real traffic) order them, and `related`'s own order breaks ties. A
suggestion is a button with the action "ask" whose value is the question; pressing it asks
that question, as if typed (Slack buttons, Teams card actions, numbers in the terminal).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from bot.models import Button, Clause, Knowledge, Lang

ASK = "ask"
MAX_SUGGESTIONS = 3
LABEL_LIMIT = 70

Popularity = Callable[[], Mapping[str, int]]
"""How often each clause was asked about lately (clause id -> count)."""


def suggested_questions(
    clause: Clause, knowledge: Knowledge, lang: Lang, popularity: Mapping[str, int]
) -> tuple[Button, ...]:
    """Buttons for the clause's related clauses, most asked first, at most three."""
    known = {c.id: c for c in knowledge.clauses}
    related = [known[r] for r in clause.related if r in known and r != clause.id]
    ranked = sorted(related, key=lambda c: -popularity.get(c.id, 0))  # stable: ties keep order
    return tuple(suggestion_button(c, lang) for c in ranked[:MAX_SUGGESTIONS])


def suggestion_button(clause: Clause, lang: Lang) -> Button:
    """A button that asks the clause's own first phrasing, in the user's language."""
    question = canonical_question(clause, lang)
    label = question if len(question) <= LABEL_LIMIT else question[: LABEL_LIMIT - 1] + "…"
    return Button(label=label, action=ASK, value=question)


def canonical_question(clause: Clause, lang: Lang) -> str:
    """The clause's first phrasing in `lang` (else any), as a question."""
    own = clause.questions_en if lang == "en" else clause.questions_nl
    phrasings = own or clause.questions
    text = (phrasings[0] if phrasings else clause.title.get(lang)).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith("?") else f"{text}?"


class CachedPopularity:
    """Counts from `source`, read again at most every `seconds` (the question log is a
    database query; answers must not wait on it each time). A failing source counts nothing."""

    def __init__(self, source: Popularity, *, seconds: float = 600.0) -> None:
        self.source = source
        self.seconds = seconds
        self._counts: Mapping[str, int] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def __call__(self) -> Mapping[str, int]:
        with self._lock:
            if time.monotonic() - self._read_at >= self.seconds:
                self._read_at = time.monotonic()
                self._counts = self._read()
            return self._counts

    def _read(self) -> Mapping[str, int]:
        try:
            return dict(self.source())
        except Exception:  # a database fault: suggestions fall back to `related`'s order
            return {}
