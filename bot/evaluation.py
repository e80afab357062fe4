"""Run a question set through the matcher and report accuracy.

A question set is a YAML list of `{q: "...", expect: [clause ids]}`; `expect: []` means the right
behaviour is to abstain (the question is outside the protocol).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.knowledge import KnowledgeError, Problem, parse_model, read_yaml
from bot.matching import Index, match
from bot.models import MatchResult


class EvalItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    q: str = Field(min_length=1)
    expect: list[str]


class EvalSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    items: list[EvalItemIn]


@dataclass(frozen=True)
class Miss:
    """A question the matcher got wrong."""

    question: str
    expected: tuple[str, ...]
    got: str | None
    confidence: float
    reason: str


@dataclass
class EvalReport:
    """Accuracy figures for one question set."""

    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    out_of_scope: int = 0
    abstained: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.in_scope if self.in_scope else 0.0

    @property
    def abstention_rate(self) -> float:
        return self.abstained / self.out_of_scope if self.out_of_scope else 0.0


def load_question_set(path: Path) -> list[EvalItemIn]:
    """Read and validate a question set file."""
    raw = read_yaml(path)
    if not isinstance(raw, list):
        raise KnowledgeError([Problem(str(path), "", "must be a YAML list of {q, expect}")])
    return parse_model(EvalSetIn, {"items": raw}, str(path)).items


def evaluate(items: Sequence[EvalItemIn], index: Index) -> EvalReport:
    """Match every question and count top-1, top-3 and abstention."""
    report = EvalReport()
    for item in items:
        _score_item(report, item, match(item.q, index))
    return report


def _score_item(report: EvalReport, item: EvalItemIn, result: MatchResult) -> None:
    expected = tuple(item.expect)
    best = result.best
    got = None if result.abstained or best is None else best.clause_id
    confidence = best.confidence if best else 0.0
    if not expected:
        report.out_of_scope += 1
        report.abstained += got is None
    else:
        report.in_scope += 1
        report.top1 += got in expected
        ranked = [m.clause_id for m in result.matches[:3]]
        report.top3 += got is not None and any(c in expected for c in ranked)
    if got not in expected and not (got is None and not expected):
        report.misses.append(Miss(item.q, expected, got, confidence, result.reason))


def format_report(report: EvalReport, *, name: str = "") -> str:
    """A human-readable summary with every miss."""
    lines = [
        f"{name}".strip(),
        f"in scope: {report.in_scope}  top-1: {report.top1_rate:.3f}  "
        f"top-3: {report.top3_rate:.3f}",
        f"out of scope: {report.out_of_scope}  abstained: {report.abstention_rate:.3f}",
    ]
    if report.misses:
        lines.append(f"misses ({len(report.misses)}):")
        for miss in report.misses:
            expected = ",".join(miss.expected) or "abstain"
            got = miss.got or f"abstain ({miss.reason})"
            confidence = f"{miss.confidence:.2f}"
            lines.append(f"  expected {expected:<8} got {got:<8} {confidence}  {miss.question}")
    return "\n".join(line for line in lines if line)
