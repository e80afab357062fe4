"""`policybot knowledge check | build | review`: validate the knowledge and report how well it
teaches the model, train the model into the cache ahead of time (the Procfile's release step),
and review the questions the assistant could not answer well."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bot.analysis import Analyzer
from bot.knowledge import KnowledgeError, knowledge_dir, load_knowledge
from bot.matching import MatcherConfig, build_index, default_embedder, vocabulary_texts
from bot.model import analyse_examples, embed_training_texts, training_examples
from bot.model_cache import cache_folder
from bot.model_check import cross_validate, format_check
from bot.models import Knowledge
from bot.report import improvement_queue
from bot.review import Decision, Proposal, apply_and_validate, parse_choice, proposals
from bot.settings import Settings
from bot.store.db import Store
from bot.store.models import QuestionRow

EXIT_OK, EXIT_FAIL = 0, 1


def _load_or_report(directory: Path | None, **placeholders: str) -> Knowledge | None:
    try:
        return load_knowledge(directory, **placeholders)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return None


def matcher_mode_line() -> str:
    """Which features the matcher uses here, and why when the embedding is off."""
    embedder = default_embedder()
    if embedder is None:
        return "matcher: lexical features only (no sentence embedding; see the log)"
    return f"matcher: lexical features + sentence embedding ({embedder.name})"


def cmd_knowledge_check(directory: Path | None, *, cross_validation: bool = True) -> int:
    """Validate the knowledge files, say which matcher mode is active, and cross-validate."""
    knowledge = _load_or_report(directory)
    if knowledge is None:
        return EXIT_FAIL
    concepts = len(knowledge.lexicon.concepts)
    negatives = len(knowledge.out_of_scope.nl) + len(knowledge.out_of_scope.en)
    print(f"ok: {len(knowledge.clauses)} clauses, {concepts} concepts, {negatives} out of scope")
    print(matcher_mode_line())
    if cross_validation:
        for line in _cross_validation_lines(knowledge):
            print(line)
    return EXIT_OK


def _cross_validation_lines(knowledge: Knowledge) -> list[str]:
    config = MatcherConfig().model
    analyzer = Analyzer(knowledge.lexicon, corpus=vocabulary_texts(knowledge.clauses))
    examples = training_examples(knowledge, config)
    analyses = analyse_examples(examples, analyzer)
    embeddings = embed_training_texts(analyses, default_embedder())
    return format_check(cross_validate(examples, analyses, embeddings, config=config))


def cmd_knowledge_build(directory: Path | None, *, school: str, foundation: str) -> int:
    """Train the model for the knowledge (unless cached) so that serving starts warm."""
    knowledge = _load_or_report(directory, school=school, foundation=foundation)
    if knowledge is None:
        return EXIT_FAIL
    started = time.perf_counter()
    index = build_index(knowledge)
    elapsed = time.perf_counter() - started
    print(f"model ready ({index.mode}) in {elapsed:.1f} s; cache: {cache_folder()}")
    return EXIT_OK


def cmd_knowledge_review(
    settings: Settings, *, read: Callable[[str], str] = input, write: Callable[[str], None] = print
) -> int:
    """Walk the improvement queue: pick a clause, "out of scope", or skip; then retrain."""
    folder = settings.knowledge_dir or knowledge_dir()
    knowledge = _load_or_report(folder)
    if knowledge is None:
        return EXIT_FAIL
    rows = _reviewable_rows(settings)
    found = proposals(improvement_queue(rows), rows, build_index(knowledge))
    if not found:
        write("nothing to review: every logged question is answered or already in the knowledge")
        return EXIT_OK
    write(
        f"{len(found)} group(s) to review. Per group: 1-3 = a guess, a clause id, "
        "o = out of scope, s or Enter = skip, q = stop"
    )
    decisions = _ask_all(found, [c.id for c in knowledge.clauses], read, write)
    if not decisions:
        write("nothing added; the knowledge files are unchanged")
        return EXIT_OK
    try:
        written = apply_and_validate(folder, decisions, retrain=build_index)
    except KnowledgeError as exc:
        write(f"the edit does not validate, nothing was changed:\n{exc}")
        return EXIT_FAIL
    write(f"added {written} question(s) to {folder}; the model was retrained")
    return EXIT_OK


def _reviewable_rows(settings: Settings) -> list[QuestionRow]:
    """Logged questions whose text was kept (declined, did-you-mean, low confidence)."""
    store = Store.open(settings.database_url)
    try:
        with store.transaction() as session:
            query = select(QuestionRow).where(QuestionRow.text.is_not(None), QuestionRow.text != "")
            return list(session.scalars(query.order_by(QuestionRow.asked_at)))
    finally:
        store.dispose()


def _ask_all(
    found: list[Proposal],
    clause_ids: list[str],
    read: Callable[[str], str],
    write: Callable[[str], None],
) -> list[Decision]:
    decisions: list[Decision] = []
    for number, proposal in enumerate(found, start=1):
        write(_describe(number, len(found), proposal))
        target = _ask_one(proposal, clause_ids, read, write)
        if target == "quit":
            break
        if target is not None:
            decisions.append(Decision(proposal.text, proposal.lang, target))
    return decisions


def _ask_one(
    proposal: Proposal,
    clause_ids: list[str],
    read: Callable[[str], str],
    write: Callable[[str], None],
) -> str | None:
    while True:
        try:
            answer = read("> ")
        except EOFError:
            return "quit"
        if answer.strip().casefold() in ("q", "quit"):
            return "quit"
        try:
            return parse_choice(answer, proposal, clause_ids)
        except ValueError as exc:
            write(f"  {exc}")


def _describe(number: int, total: int, proposal: Proposal) -> str:
    lines = [f"\n[{number}/{total}] {proposal.text!r} ({proposal.count}x, {proposal.lang})"]
    lines += [f"    also: {example!r}" for example in proposal.examples]
    lines += [
        f"  {i}. {clause} ({confidence:.2f})"
        for i, (clause, confidence) in enumerate(proposal.guesses, start=1)
    ]
    return "\n".join(lines)
