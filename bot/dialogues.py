"""Run multi-turn dialogues through the assistant and score the follow-up turns.

A dialogue set is a YAML list of `{turns: [{q, expect, followup}]}`: `expect` lists the clause
ids that answer the turn in its context (`[]`: the right behaviour is to decline), `followup`
says whether the turn depends on the previous one. Each dialogue is played twice: in one
conversation (with context), and with every turn on its own (without), so the figures show
what the context adds, and that first questions do not lose by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.assistant import Assistant
from bot.knowledge import KnowledgeError, Problem, parse_model, read_yaml
from bot.models import IncomingMessage, Reply, UserRef

ANSWERING = frozenset({"answer", "did_you_mean", "rationale"})
EVALUATOR = UserRef(platform="eval", user_id="eval")


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    q: str = Field(min_length=1)
    expect: list[str]
    followup: bool


class DialogueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    turns: list[TurnIn] = Field(min_length=1)


class DialogueSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    items: list[DialogueIn]


@dataclass
class Tally:
    """Right answers out of turns, for one kind of turn."""

    right: int = 0
    turns: int = 0

    @property
    def rate(self) -> float:
        return self.right / self.turns if self.turns else 0.0

    def add(self, ok: bool) -> None:
        self.turns += 1
        self.right += ok


@dataclass
class DialogueReport:
    """Follow-up and first-turn accuracy, with and without the conversation's context."""

    followups_with: Tally = field(default_factory=Tally)
    followups_without: Tally = field(default_factory=Tally)
    others_with: Tally = field(default_factory=Tally)
    others_without: Tally = field(default_factory=Tally)
    misses: list[str] = field(default_factory=list)


def load_dialogues(path: Path) -> list[DialogueIn]:
    """Read and validate a dialogue set; errors name the file and the dialogue."""
    data = read_yaml(path)
    if not isinstance(data, list):
        raise KnowledgeError([Problem(path.name, "", "must be a list of dialogues")])
    return parse_model(DialogueSetIn, {"items": data}, path.name).items


def answered_clause(reply: Reply) -> str | None:
    """The clause a reply answers with, or None when it declines or only greets."""
    return reply.clause_id if reply.kind in ANSWERING else None


def evaluate_dialogues(dialogues: Sequence[DialogueIn], assistant: Assistant) -> DialogueReport:
    """Play every dialogue with context and without, and count the right turns."""
    report = DialogueReport()
    for number, dialogue in enumerate(dialogues):
        for turn in dialogue.turns:
            with_context = _ask(assistant, turn.q, f"eval:{number}")
            alone = _ask(assistant, turn.q, "")
            _count(report, turn, with_context, alone)
    return report


def _ask(assistant: Assistant, question: str, conversation: str) -> str | None:
    message = IncomingMessage(text=question, user=EVALUATOR, conversation=conversation)
    return answered_clause(assistant.handle(message))


def _count(
    report: DialogueReport, turn: TurnIn, with_context: str | None, alone: str | None
) -> None:
    def right(got: str | None) -> bool:
        return got in turn.expect if turn.expect else got is None

    tallies = (
        (report.followups_with, report.followups_without)
        if turn.followup
        else (report.others_with, report.others_without)
    )
    tallies[0].add(right(with_context))
    tallies[1].add(right(alone))
    if not right(with_context):
        report.misses.append(f"{turn.q!r}: expected {turn.expect or 'decline'}, got {with_context}")


def format_dialogue_report(report: DialogueReport, *, name: str = "") -> str:
    """A summary: follow-up turns and other turns, with and without context."""
    lines = [
        name,
        f"follow-up turns: {report.followups_with.turns}  with context: "
        f"{report.followups_with.rate:.3f}  without: {report.followups_without.rate:.3f}",
        f"other turns: {report.others_with.turns}  with context: "
        f"{report.others_with.rate:.3f}  without: {report.others_without.rate:.3f}",
    ]
    return "\n".join(line for line in lines if line)
