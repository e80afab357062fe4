"""Learn from use: the maintainer reviews what the assistant could not answer well.

`policybot knowledge review` groups the declined and low-confidence questions of the question
log by similarity (bot/report.py's improvement queue), shows the model's best guesses for each
group, and takes the maintainer's choice: a clause, "out of scope", or skip. Accepted questions
are appended to protocol.yaml (the clause's phrasings) or out_of_scope.yaml with ruamel.yaml,
which keeps the files' comments, quoting and layout. The edited knowledge is validated and the
model retrained; when the edit does not validate, the files are put back as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.knowledge import OUT_OF_SCOPE_FILE, KnowledgeError, fold_key, load_knowledge
from bot.matching import Index, match
from bot.models import Knowledge, Lang
from bot.report import QuestionGroup
from bot.store.models import QuestionRow

OUT_OF_SCOPE_CHOICE = "out_of_scope"
PROTOCOL_FILE = "protocol.yaml"


@dataclass(frozen=True)
class Proposal:
    """One group to review: its text, language, size, and the model's best guesses."""

    text: str
    lang: Lang
    count: int
    examples: tuple[str, ...]
    guesses: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Decision:
    """The maintainer's choice for one proposal: a clause id or OUT_OF_SCOPE_CHOICE."""

    text: str
    lang: Lang
    target: str


def proposals(
    groups: Iterable[QuestionGroup], rows: Iterable[QuestionRow], index: Index
) -> list[Proposal]:
    """The groups whose text the knowledge does not hold yet, with the model's guesses."""
    langs = {row.text: row.lang for row in rows if row.text}
    known = _known_texts(index.knowledge)
    found = []
    for group in groups:
        if not group.text.strip() or fold_key(group.text) in known:
            continue
        result = match(group.text, index)
        guesses = tuple((m.clause_id, m.confidence) for m in result.matches[:3])
        lang: Lang = "en" if langs.get(group.text) == "en" else "nl"
        found.append(Proposal(group.text, lang, group.count, group.examples, guesses))
    return found


def _known_texts(knowledge: Knowledge) -> set[str]:
    texts = [q for c in knowledge.clauses for q in c.questions]
    texts += [*knowledge.out_of_scope.nl, *knowledge.out_of_scope.en]
    return {fold_key(t) for t in texts}


def parse_choice(answer: str, proposal: Proposal, clause_ids: Iterable[str]) -> str | None:
    """ "1".."3" (a guess), a clause id, "o" (out of scope), "s"/"" (skip): the target or None.

    Raises ValueError naming what was typed when it is none of these.
    """
    typed = answer.strip()
    if typed.casefold() in ("", "s", "skip"):
        return None
    if typed.casefold() in ("o", "oos", "out"):
        return OUT_OF_SCOPE_CHOICE
    if typed.isdigit() and 1 <= int(typed) <= len(proposal.guesses):
        return proposal.guesses[int(typed) - 1][0]
    ids = {c.casefold(): c for c in clause_ids}
    if typed.casefold() in ids:
        return ids[typed.casefold()]
    raise ValueError(f"{typed!r} is not a guess number, a clause id, 'o' or 's'")


def apply_decisions(folder: Path, decisions: Iterable[Decision]) -> int:
    """Append the accepted questions to the knowledge files; return how many were written."""
    chosen = list(decisions)
    if not chosen:
        return 0
    yaml = _round_trip()
    protocol_path, negatives_path = folder / PROTOCOL_FILE, folder / OUT_OF_SCOPE_FILE
    protocol = yaml.load(protocol_path.read_text(encoding="utf-8"))
    negatives = yaml.load(negatives_path.read_text(encoding="utf-8"))
    clauses = {str(c["id"]): c for c in protocol["clauses"]}
    for decision in chosen:
        if decision.target == OUT_OF_SCOPE_CHOICE:
            _append(negatives["questions"], decision)
        else:
            _append(clauses[decision.target]["questions"], decision)
    _write(yaml, protocol_path, protocol)
    _write(yaml, negatives_path, negatives)
    return len(chosen)


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _value: None) -> Any:
    """Write null as `null`, as the files do (ruamel's default leaves it empty)."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _append(questions: Any, decision: Decision) -> None:
    if questions.get(decision.lang) is None:
        questions[decision.lang] = []
    questions[decision.lang].append(DoubleQuotedScalarString(" ".join(decision.text.split())))


def _write(yaml: YAML, path: Path, data: Any) -> None:
    with path.open("w", encoding="utf-8") as file:
        yaml.dump(data, file)


def apply_and_validate(
    folder: Path, decisions: Iterable[Decision], *, retrain: Callable[[Knowledge], object]
) -> int:
    """Write the decisions, validate the knowledge and retrain; undo the edit if invalid."""
    saved = {name: (folder / name).read_bytes() for name in (PROTOCOL_FILE, OUT_OF_SCOPE_FILE)}
    written = apply_decisions(folder, decisions)
    try:
        knowledge = load_knowledge(folder)
    except KnowledgeError:
        for name, content in saved.items():
            (folder / name).write_bytes(content)
        raise
    retrain(knowledge)
    return written
