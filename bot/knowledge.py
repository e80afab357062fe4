"""Load and validate the knowledge files (protocol, lexicon, out of scope), fill the placeholders.

Every problem is collected with the file, the clause id or key, the field and what is wrong, so
that `policybot knowledge check` can print them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.models import AnswerVariant, Clause, Concept, Knowledge, Lexicon, Localized, OutOfScope
from bot.text import NEGATIONS, parse_cue

DEFAULT_SCHOOL = "Het Kofschip"
DEFAULT_FOUNDATION = "Stichting Proles/ABOL"
PLACEHOLDERS = ("school", "foundation")
OUT_OF_SCOPE_FILE = "out_of_scope.yaml"
MIN_QUESTIONS = {"nl": 8, "en": 4}
MIN_OUT_OF_SCOPE = {"nl": 100, "en": 60}
MIN_PREFIX = 3  # letters before a cue word's trailing *: "ond*" would match far too much
CLAUSE_ID = re.compile(r"^(INTRO|[A-Z][0-9]{1,2})$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
M = TypeVar("M", bound="BaseModel")


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it is and what is wrong."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.where}: {self.message}"
            if self.where
            else (f"{self.file}: {self.message}")
        )


class KnowledgeError(Exception):
    """The knowledge files are invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedIn(_Strict):
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class QuestionsIn(_Strict):
    nl: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class CuesIn(_Strict):
    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)


class VariantIn(_Strict):
    when: CuesIn
    answer: LocalizedIn


class ClauseIn(_Strict):
    id: str
    section: str
    title: LocalizedIn
    text: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    answer: LocalizedIn
    questions: QuestionsIn
    concepts: list[str] = Field(min_length=1)
    related: list[str] = Field(default_factory=list)
    action: Literal["doubt_check", "escalate"] | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    variants: list[VariantIn] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not CLAUSE_ID.match(value):
            raise ValueError("must look like INTRO, A5 or S4")
        return value


class ProtocolIn(_Strict):
    title: LocalizedIn
    sections: dict[str, LocalizedIn] = Field(min_length=1)
    clauses: list[ClauseIn] = Field(min_length=1)


class ConceptIn(_Strict):
    domain: bool = False
    weight: float = Field(default=1.0, gt=0.0, le=5.0)
    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)
    anchors: list[str] = Field(default_factory=list)


class LexiconIn(_Strict):
    concepts: dict[str, ConceptIn] = Field(min_length=1)
    domain_combinations: list[list[str]] = Field(default_factory=list)
    contrasts: list[tuple[str, str]] = Field(default_factory=list)
    aliases: dict[Literal["nl", "en"], dict[str, str]] = Field(default_factory=dict)
    stopwords: dict[Literal["nl", "en"], list[str]] = Field(default_factory=dict)


class OutOfScopeIn(_Strict):
    questions: QuestionsIn


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: faster


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe loader that refuses duplicate mapping keys instead of silently keeping the last."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,
)


def knowledge_dir() -> Path:
    """The bundled knowledge folder, from a checkout or an installed wheel."""
    return Path(str(resources.files("knowledge")))


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning syntax errors into a KnowledgeError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError([Problem(str(path), "", f"cannot read the file: {exc}")]) from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise KnowledgeError([Problem(str(path), where, f"YAML syntax: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError([Problem(str(path), "", f"YAML syntax: {exc}")]) from exc


def _pydantic_problems(file: str, error: ValidationError, raw: Any) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        where = _describe_location(loc, raw)
        problems.append(Problem(file, where, _explain_error(item)))
    return problems


def _explain_error(item: Any) -> str:
    """Pydantic's message, plus the offending value and a hint for YAML's yes/no/on/off."""
    value = item.get("input")
    if isinstance(value, bool):
        return f"{item['msg']} (got {value}: quote yes/no/on/off to keep them as words)"
    if isinstance(value, str | int | float) and item["type"] != "missing":
        return f"{item['msg']} (got {str(value)[:60]!r})"
    return str(item["msg"])


def _describe_location(loc: list[Any], raw: Any) -> str:
    """Turn ('clauses', 3, 'answer', 'en') into 'clause A4: answer.en' where possible."""
    if len(loc) >= 2 and loc[0] == "clauses" and isinstance(loc[1], int):
        clause_id = _clause_id_at(raw, loc[1])
        rest = ".".join(str(part) for part in loc[2:]) or "(clause)"
        return f"clause {clause_id}: {rest}"
    return ".".join(str(part) for part in loc) or "(top level)"


def _clause_id_at(raw: Any, index: int) -> str:
    try:
        return str(raw["clauses"][index]["id"])
    except (KeyError, IndexError, TypeError):
        return f"#{index + 1}"


def parse_model(model: type[M], raw: Any, file: str) -> M:
    """Validate `raw` against `model`, raising KnowledgeError with located problems."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(_pydantic_problems(file, exc, raw)) from exc


def check_protocol(protocol: ProtocolIn, concept_ids: Iterable[str], file: str) -> list[Problem]:
    """Cross-field checks: unique ids, known sections, related ids and concepts, questions."""
    known_concepts = set(concept_ids)
    ids = [c.id for c in protocol.clauses]
    problems = [
        Problem(file, f"clause {i}", "duplicate clause id") for i in sorted(_duplicates(ids))
    ]
    for clause in protocol.clauses:
        problems.extend(_check_clause(clause, protocol, set(ids), known_concepts, file))
    return problems


def _check_clause(
    clause: ClauseIn, protocol: ProtocolIn, ids: set[str], concepts: set[str], file: str
) -> list[Problem]:
    where = f"clause {clause.id}"
    problems = []
    if clause.section not in protocol.sections:
        problems.append(Problem(file, f"{where}: section", f"unknown section {clause.section!r}"))
    problems += [
        Problem(file, f"{where}: related", f"unknown clause id {r!r}")
        for r in clause.related
        if r not in ids or r == clause.id
    ]
    problems += [
        Problem(file, f"{where}: concepts", f"unknown concept {c!r} (not in the lexicon)")
        for c in clause.concepts
        if c not in concepts
    ]
    for lang, minimum in MIN_QUESTIONS.items():
        count = len([q for q in getattr(clause.questions, lang) if q.strip()])
        if count < minimum:
            message = f"{count} phrasings, at least {minimum} needed (missing translation?)"
            problems.append(Problem(file, f"{where}: questions.{lang}", message))
    problems += _check_variants(clause, file)
    for field_name, text in _clause_texts(clause):
        problems += [
            Problem(file, f"{where}: {field_name}", f"unknown placeholder {{{name}}}")
            for name in _PLACEHOLDER.findall(text)
            if name not in PLACEHOLDERS
        ]
    return problems


def _clause_texts(clause: ClauseIn) -> list[tuple[str, str]]:
    variant_answers = [
        (f"variants.{i}.answer.{lang}", getattr(variant.answer, lang))
        for i, variant in enumerate(clause.variants)
        for lang in ("nl", "en")
    ]
    return [
        ("text", clause.text),
        ("text_en", clause.text_en),
        ("answer.nl", clause.answer.nl),
        ("answer.en", clause.answer.en),
        ("title.nl", clause.title.nl),
        ("title.en", clause.title.en),
        *variant_answers,
    ]


def _check_variants(clause: ClauseIn, file: str) -> list[Problem]:
    """Every cue has words, sensible prefixes and is not only negations; none is repeated."""
    problems = []
    first_seen: dict[tuple[str, ...], str] = {}
    for i, variant in enumerate(clause.variants):
        for lang in ("nl", "en"):
            for j, cue in enumerate(getattr(variant.when, lang)):
                where = f"clause {clause.id}: variants.{i}.when.{lang}.{j}"
                problems += [Problem(file, where, m) for m in _cue_problems(cue)]
                words = parse_cue(cue).words
                if words and words in first_seen:
                    message = f"cue {cue!r} repeats {first_seen[words]} (the first one wins)"
                    problems.append(Problem(file, where, message))
                first_seen.setdefault(words, f"variants.{i}.when.{lang}.{j}")
    return problems


def _cue_problems(cue: str) -> list[str]:
    parsed = parse_cue(cue)
    if not parsed.words:
        return [f"cue {cue!r} has no words"]
    if all(word in NEGATIONS for word in parsed.words):
        return [f"cue {cue!r} is only negations, which are never stated"]
    problems = []
    for raw in cue.split():
        if "*" in raw[:-1] or (raw.endswith("*") and len(raw.rstrip("*")) < MIN_PREFIX):
            problems.append(
                f"cue word {raw!r}: * only ends a word of at least {MIN_PREFIX} letters"
            )
    return problems


def check_lexicon(lexicon: LexiconIn, file: str) -> list[Problem]:
    """Lexicon checks: concept ids are upper-case names, and no concept has only blank terms."""
    problems = []
    for concept_id, concept in lexicon.concepts.items():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", concept_id):
            problems.append(Problem(file, f"concept {concept_id}", "id must be UPPER_CASE"))
        for lang in ("nl", "en"):
            if not any(term.strip() for term in getattr(concept, lang)):
                problems.append(Problem(file, f"concept {concept_id}: {lang}", "no terms"))
    for i, combination in enumerate(lexicon.domain_combinations, start=1):
        problems += [
            Problem(file, f"domain_combinations #{i}", f"unknown concept {c!r}")
            for c in combination
            if c not in lexicon.concepts
        ]
    for i, pair in enumerate(lexicon.contrasts, start=1):
        problems += [
            Problem(file, f"contrasts #{i}", f"unknown concept {c!r}")
            for c in pair
            if c not in lexicon.concepts
        ]
    return problems


def check_out_of_scope(raw: OutOfScopeIn, file: str) -> list[Problem]:
    """Enough negative examples per language, none blank and none repeated."""
    problems = []
    for lang, minimum in MIN_OUT_OF_SCOPE.items():
        items = getattr(raw.questions, lang)
        where = f"questions: {lang}"
        if len(items) < minimum:
            problems.append(Problem(file, where, f"has {len(items)} questions, needs {minimum}"))
        problems += [
            Problem(file, f"{where} #{i}", "is blank")
            for i, q in enumerate(items, 1)
            if not q.strip()
        ]
        problems += [
            Problem(file, where, f"repeats {q!r}")
            for q in sorted(_duplicates([fold_key(q) for q in items]))
        ]
    return problems


def fold_key(text: str) -> str:
    """A question as compared for repeats: case and spacing ignored."""
    return " ".join(text.casefold().split())


def _duplicates(items: list[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for item in items:
        (repeated if item in seen else seen).add(item)
    return repeated


def fill(text: str, *, school: str, foundation: str) -> str:
    """Fill the {school} and {foundation} placeholders."""
    return text.replace("{school}", school).replace("{foundation}", foundation)


def clause_number(clause_id: str) -> str:
    """The document's own numbering: A5 -> "A.5"; INTRO stays INTRO."""
    return clause_id if clause_id == "INTRO" else f"{clause_id[0]}.{clause_id[1:]}"


def _to_clause(raw: ClauseIn, protocol: ProtocolIn, school: str, foundation: str) -> Clause:
    def f(text: str) -> str:
        return fill(text, school=school, foundation=foundation)

    section = protocol.sections[raw.section]
    return Clause(
        id=raw.id,
        number=clause_number(raw.id),
        section_id=raw.section,
        section=Localized(f(section.nl), f(section.en)),
        title=Localized(f(raw.title.nl), f(raw.title.en)),
        text=f(raw.text.strip()),
        text_en=f(raw.text_en.strip()),
        answer=Localized(f(raw.answer.nl.strip()), f(raw.answer.en.strip())),
        questions_nl=tuple(f(q) for q in raw.questions.nl if q.strip()),
        questions_en=tuple(f(q) for q in raw.questions.en if q.strip()),
        concepts=tuple(raw.concepts),
        related=tuple(raw.related),
        action=raw.action,
        threshold=raw.threshold,
        variants=tuple(_to_variant(v, f) for v in raw.variants),
    )


def _to_variant(raw: VariantIn, f: Callable[[str], str]) -> AnswerVariant:
    return AnswerVariant(
        cues_nl=tuple(c.strip() for c in raw.when.nl),
        cues_en=tuple(c.strip() for c in raw.when.en),
        answer=Localized(f(raw.answer.nl.strip()), f(raw.answer.en.strip())),
    )


def load_common_words(folder: Path) -> frozenset[str]:
    """Ordinary Dutch and English words (common_words_*.txt), which are never "corrected"."""
    words: set[str] = set()
    for path in sorted(folder.glob("common_words_*.txt")):
        try:
            words.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeError([Problem(str(path), "", f"cannot read the file: {exc}")]) from exc
    words.discard("")
    return frozenset(words)


def _to_lexicon(raw: LexiconIn, common_words: frozenset[str]) -> Lexicon:
    concepts = tuple(
        Concept(
            id=cid,
            terms_nl=tuple(t for t in c.nl if t.strip()),
            terms_en=tuple(t for t in c.en if t.strip()),
            domain=c.domain,
            weight=c.weight,
            anchors=tuple(t for t in c.anchors if t.strip()),
        )
        for cid, c in raw.concepts.items()
    )
    stopwords: dict[str, frozenset[str]] = {
        str(lang): frozenset(words) for lang, words in raw.stopwords.items()
    }
    aliases: dict[str, dict[str, str]] = {str(lang): m for lang, m in raw.aliases.items()}
    combinations = tuple(frozenset(c) for c in raw.domain_combinations if c)
    contrasts = tuple((a, b) for a, b in raw.contrasts)
    return Lexicon(concepts, aliases, stopwords, combinations, common_words, contrasts)


def load_knowledge(
    directory: Path | None = None,
    *,
    school: str = DEFAULT_SCHOOL,
    foundation: str = DEFAULT_FOUNDATION,
) -> Knowledge:
    """Load protocol.yaml, lexicon.yaml and out_of_scope.yaml from `directory` (the bundled
    ones by default)."""
    folder = directory or knowledge_dir()
    protocol_file, lexicon_file = folder / "protocol.yaml", folder / "lexicon.yaml"
    negatives_file = folder / OUT_OF_SCOPE_FILE
    problems: list[Problem] = []
    lexicon = _load_part(LexiconIn, lexicon_file, problems)
    protocol = _load_part(ProtocolIn, protocol_file, problems)
    negatives = _load_part(OutOfScopeIn, negatives_file, problems)
    if negatives is not None:
        problems += check_out_of_scope(negatives, str(negatives_file))
    if lexicon is not None:
        problems += check_lexicon(lexicon, str(lexicon_file))
    if protocol is not None:
        concept_ids = lexicon.concepts if lexicon is not None else []
        if lexicon is not None:
            problems += check_protocol(protocol, concept_ids, str(protocol_file))
    if problems or protocol is None or lexicon is None or negatives is None:
        raise KnowledgeError(problems)
    clauses = tuple(_to_clause(c, protocol, school, foundation) for c in protocol.clauses)
    title = Localized(
        fill(protocol.title.nl, school=school, foundation=foundation),
        fill(protocol.title.en, school=school, foundation=foundation),
    )
    lexicon_model = _to_lexicon(lexicon, load_common_words(folder))
    out_of_scope = OutOfScope(
        nl=tuple(q.strip() for q in negatives.questions.nl),
        en=tuple(q.strip() for q in negatives.questions.en),
    )
    return Knowledge(title, clauses, lexicon_model, school, foundation, out_of_scope)


def _load_part(model: type[M], path: Path, problems: list[Problem]) -> M | None:
    try:
        return parse_model(model, read_yaml(path), str(path))
    except KnowledgeError as exc:
        problems.extend(exc.problems)
        return None
