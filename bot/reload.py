"""Hot reload of the knowledge and the organisation file, with the last good version kept.

`ReloadableAssistant` has the Assistant's interface and forwards to the current one, so the
Slack and Teams routes keep one reference and still see every swap. `Reloader` watches the
files' modification times; `check()` (run off the event loop) reloads what changed, validates
it, rebuilds the index and swaps by one attribute assignment, which is atomic for readers. An
invalid edit is logged with its problems and the previous version stays in service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.assistant import Assistant
from bot.conversation import Conversations
from bot.knowledge import KnowledgeError, knowledge_dir
from bot.matching import Index
from bot.models import Clause, IncomingMessage, Knowledge, Lang, Reply
from bot.org import Org, Person, School, default_org_file, load_org
from bot.questions import QuestionLog
from bot.runtime import forget_loaded_knowledge

LOG = logging.getLogger("policybot.reload")


class ReloadableAssistant(Assistant):
    """The assistant in service: its knowledge can be swapped while requests are served, and
    every question it handles goes to the question log (`questions`), when there is one. The
    conversations' context (`conversations`) outlives the swaps.
    """

    def __init__(
        self,
        assistant: Assistant,
        *,
        questions: QuestionLog | None = None,
        conversations: Conversations | None = None,
    ) -> None:
        # No super().__init__(): every attribute is read from the assistant in service.
        self.current = assistant
        self.questions = questions
        self.conversations = conversations or assistant.conversations

    @property
    def knowledge(self) -> Knowledge:
        """The knowledge in service."""
        return self.current.knowledge

    @knowledge.setter
    def knowledge(self, value: Knowledge) -> None:
        raise AttributeError("swap() a whole Assistant instead")

    @property
    def index(self) -> Index:
        """The index in service."""
        return self.current.index

    @index.setter
    def index(self, value: Index) -> None:
        raise AttributeError("swap() a whole Assistant instead")

    def swap(self, assistant: Assistant) -> None:
        """Put `assistant` in service (one assignment: requests see the old or the new one).
        A fresh assistant without its own question-log counts keeps the current one's."""
        if assistant.popularity is None:
            assistant.popularity = self.current.popularity
        self.current = assistant

    def handle(self, message: IncomingMessage) -> Reply:
        """Forwarded to the assistant in service; the question is logged."""
        reply = self.current.handle_in(message, self.conversations)
        if self.questions is not None:
            self.questions.record(message, reply)
        return reply

    def answer(
        self,
        clause: Clause,
        lang: Lang,
        *,
        alternatives: tuple[Clause, ...] = (),
        question: str = "",
    ) -> Reply:
        """Forwarded to the assistant in service."""
        return self.current.answer(clause, lang, alternatives=alternatives, question=question)

    def show_clause(self, clause_id: str, lang: Lang) -> Reply:
        """Forwarded to the assistant in service."""
        return self.current.show_clause(clause_id, lang)


class ReloadableOrg(Org):
    """An Org that forwards to the organisation file in service, swapped on reload.

    The workflows keep one reference (their Context's `org`) and still see every swap.
    """

    def __init__(self, org: Org) -> None:
        # No dataclass __init__: the fields are read from the org in service.
        object.__setattr__(self, "current", org)

    current: Org

    def swap(self, org: Org) -> None:
        """Put `org` in service."""
        object.__setattr__(self, "current", org)

    @property
    def foundation(self) -> str:
        """Forwarded."""
        return self.current.foundation

    @property
    def people(self) -> dict[str, Person]:
        """Forwarded."""
        return self.current.people

    @property
    def schools(self) -> tuple[School, ...]:
        """Forwarded."""
        return self.current.schools

    @property
    def demo_user(self) -> str | None:
        """Forwarded."""
        return self.current.demo_user

    @property
    def source(self) -> str:
        """Forwarded."""
        return self.current.source


def _mtimes(paths: tuple[Path, ...]) -> tuple[float, ...]:
    """The modification times of `paths` (files, or every *.yaml/*.txt in a folder)."""
    times: list[float] = []
    for path in paths:
        files = [path]
        if path.is_dir():
            files = sorted(path.glob("*.y*ml")) + sorted(path.glob("*.txt"))
        times.extend(f.stat().st_mtime_ns if f.exists() else -1.0 for f in files)
    return tuple(times)


@dataclass
class Reloader:
    """Watches the knowledge folder and the org file, and reloads what changed.

    `build` loads the knowledge and builds a new Assistant (raising KnowledgeError when
    invalid); `org_file` is the organisation file (None: the bundled example).
    """

    assistant: ReloadableAssistant
    build: Callable[[], Assistant]
    knowledge_folder: Path | None = None
    org_file: Path | None = None
    org: ReloadableOrg | None = None
    org_error: str | None = None
    _seen: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._seen = {"knowledge": self._knowledge_mtimes(), "org": self._org_mtimes()}
        if self.org is None and self.org_error is None:
            self.reload_org()

    def _knowledge_mtimes(self) -> tuple[float, ...]:
        return _mtimes((self.knowledge_folder or knowledge_dir(),))

    def _org_mtimes(self) -> tuple[float, ...]:
        return _mtimes((self.org_file or default_org_file(),))

    def check(self) -> list[str]:
        """Reload whatever changed since the last check; returns what was reloaded."""
        reloaded = []
        knowledge, org = self._knowledge_mtimes(), self._org_mtimes()
        if knowledge != self._seen["knowledge"]:
            self._seen["knowledge"] = knowledge
            if self.reload_knowledge():
                reloaded.append("knowledge")
        if org != self._seen["org"]:
            self._seen["org"] = org
            if self.reload_org():
                reloaded.append("org")
        return reloaded

    def reload_knowledge(self) -> bool:
        """Load and index the knowledge; swap it in when valid, else log and keep the old."""
        try:
            fresh = self.build()
        except (KnowledgeError, OSError, ValueError) as exc:
            _log_rejected("knowledge", exc)
            return False
        self.assistant.swap(fresh)
        forget_loaded_knowledge()  # the workflows' per-school copies, loaded again on next use
        LOG.info("knowledge reloaded: %d clauses", len(fresh.knowledge.clauses))
        return True

    def reload_org(self) -> bool:
        """Load the organisation file; keep the previous one when the new one is invalid."""
        try:
            fresh = load_org(self.org_file)
        except (KnowledgeError, OSError, ValueError) as exc:
            _log_rejected("org file", exc)
            if self.org is None:
                self.org_error = "the org file is invalid or unreadable"
            return False
        if self.org is None:
            self.org = ReloadableOrg(fresh)
        else:
            self.org.swap(fresh)
        self.org_error = None
        LOG.info("org file loaded: %d schools", len(fresh.schools))
        return True


def _log_rejected(what: str, exc: Exception) -> None:
    problems = exc.problems if isinstance(exc, KnowledgeError) else []
    LOG.error(
        "%s edit rejected, the last good version stays in service: %s",
        what,
        "; ".join(str(p) for p in problems) or f"{type(exc).__name__}: {exc}",
    )
