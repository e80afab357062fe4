"""Precision and recall of the draft check (bot/draftcheck.py), per clause, on labelled drafts.

Usage: .venv/bin/python evaluation/draftcheck_eval.py [--misses] [FILE ...]
(default files: tests/data/drafts.yaml, the tuned part, and the two held-out parts that the
check is not tuned on: tests/data/drafts_heldout.yaml, written before the issue-14 changes, and
tests/data/drafts_heldout2.yaml, harder drafts written after them but before running the check)

Each draft has the exact set of clause ids the check should report (`expect`). Per clause,
a draft counts as a true positive when the clause is expected and found, a false positive
when found but not expected, and a false negative when expected but not found. Clean drafts
(`expect: []`) count only through their false positives. `when: work` / `when: private` give
the draft's time (Draft.during_work); without it the time is unknown. Prints one Markdown
table per file; tests/test_draftcheck.py asserts floors slightly under these figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.draftcheck import CLAUSE_ORDER, Draft, DraftRules, check_draft, default_draft_rules

ROOT = Path(__file__).resolve().parent.parent
TUNED = ROOT / "tests" / "data" / "drafts.yaml"
HELD_OUT = ROOT / "tests" / "data" / "drafts_heldout.yaml"
HELD_OUT_2 = ROOT / "tests" / "data" / "drafts_heldout2.yaml"
DEFAULT_SCHOOL = "Het Kofschip"
WHEN = {"work": True, "private": False}


@dataclass
class Score:
    """Counts for one clause."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def support(self) -> int:
        """How many drafts expect the clause."""
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float | None:
        """Of the drafts flagged with the clause, the share that expect it (None if none)."""
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        """Of the drafts that expect the clause, the share flagged with it (None if none)."""
        return self.true_positives / self.support if self.support else None


@dataclass
class Report:
    """The scores of one labelled set."""

    drafts: int = 0
    exact: int = 0
    scores: dict[str, Score] = field(default_factory=lambda: {c: Score() for c in CLAUSE_ORDER})
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def micro(self) -> Score:
        """All clauses counted together."""
        total = Score()
        for score in self.scores.values():
            total.true_positives += score.true_positives
            total.false_positives += score.false_positives
            total.false_negatives += score.false_negatives
        return total


def load_drafts(path: Path) -> list[dict[str, Any]]:
    """The `drafts` list of a labelled YAML file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    drafts: list[dict[str, Any]] = raw["drafts"]
    return drafts


def to_draft(case: Mapping[str, Any]) -> Draft:
    """The Draft a labelled case describes."""
    return Draft(
        case["text"],
        case.get("link"),
        bool(case.get("media_attached", False)),
        WHEN.get(str(case.get("when"))),
    )


def found_clauses(case: Mapping[str, Any], rules: DraftRules) -> set[str]:
    """The clause ids the check reports for a labelled case."""
    findings = check_draft(to_draft(case), school=case.get("school", DEFAULT_SCHOOL), rules=rules)
    return {finding.clause_id for finding in findings}


def evaluate(cases: Iterable[Mapping[str, Any]], rules: DraftRules | None = None) -> Report:
    """Score the check on `cases`."""
    rules = rules or default_draft_rules()
    report = Report()
    for case in cases:
        expected, found = set(case["expect"]), found_clauses(case, rules)
        report.drafts += 1
        report.exact += expected == found
        if expected != found:
            report.misses.append((case["id"], sorted(expected), sorted(found)))
        for clause, score in report.scores.items():
            if clause in found and clause in expected:
                score.true_positives += 1
            elif clause in found:
                score.false_positives += 1
            elif clause in expected:
                score.false_negatives += 1
    return report


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(report: Report) -> str:
    """The report as a Markdown table: one row per clause, then all clauses together."""
    lines = [
        "| clause | support | TP | FP | FN | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [*report.scores.items(), ("all", report.micro)]
    for clause, score in rows:
        name = clause if clause == "all" else f"{clause[0]}.{clause[1:]}"
        lines.append(
            f"| {name} | {score.support} | {score.true_positives} | {score.false_positives} "
            f"| {score.false_negatives} | {_ratio(score.precision)} | {_ratio(score.recall)} |"
        )
    lines.append(f"\nExact clause set right: {report.exact} of {report.drafts} drafts.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="*", type=Path, default=[TUNED, HELD_OUT, HELD_OUT_2])
    parser.add_argument("--misses", action="store_true", help="list drafts not exactly right")
    args = parser.parse_args(argv)
    for path in args.files:
        report = evaluate(load_drafts(path))
        print(f"## {path.name}\n\n{table(report)}\n")
        if args.misses:
            for draft_id, expected, found in report.misses:
                print(f"- {draft_id}: expected {expected}, found {found}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
