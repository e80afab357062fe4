"""Loading and validating the knowledge files: one test per kind of error."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge import KnowledgeError, knowledge_dir, load_knowledge
from bot.models import Knowledge

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_b22057761d7ebd11.txt"
CLAUSE_IDS = (
    ["INTRO"]
    + [f"U{i}" for i in range(1, 6)]
    + ["D1", "D2"]
    + [f"A{i}" for i in range(1, 8)]
    + [f"B{i}" for i in range(1, 4)]
    + [f"C{i}" for i in range(1, 4)]
    + [f"S{i}" for i in range(1, 5)]
)

Mutation = Callable[[dict[str, Any]], None]


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target, ignore=shutil.ignore_patterns("__*"))
    return target


def _mutated_protocol(tmp_path: Path, mutate: Mutation) -> Path:
    folder = _copy_knowledge(tmp_path)
    path = folder / "protocol.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    return [str(p) for p in caught.value.problems]


def _clause(data: dict[str, Any], clause_id: str) -> dict[str, Any]:
    return next(c for c in data["clauses"] if c["id"] == clause_id)


def test_bundled_knowledge_has_every_clause_in_document_order(knowledge: Knowledge) -> None:
    assert [c.id for c in knowledge.clauses] == CLAUSE_IDS


def test_numbers_and_actions(knowledge: Knowledge) -> None:
    assert knowledge.clause("A5").number == "A.5"
    assert knowledge.clause("B3").action == "doubt_check"
    assert knowledge.clause("B2").action == "escalate"
    assert [c.id for c in knowledge.clauses if c.action] == ["B2", "B3"]


def test_every_clause_has_enough_phrasings(knowledge: Knowledge) -> None:
    for clause in knowledge.clauses:
        assert len(clause.questions_nl) >= 8, clause.id
        assert len(clause.questions_en) >= 4, clause.id


def test_placeholders_are_filled_with_defaults(knowledge: Knowledge) -> None:
    assert "Het Kofschip" in knowledge.clause("B1").text
    assert "{school}" not in knowledge.clause("C2").text
    assert "Stichting Proles/ABOL" in knowledge.clause("S2").text


def test_placeholders_are_filled_from_arguments() -> None:
    other = load_knowledge(school="De Regenboog", foundation="Stichting Test")
    assert "De Regenboog" in other.clause("C2").text
    assert "Het Kofschip" not in other.clause("C2").text
    assert "Stichting Test" in other.clause("S2").text


@pytest.mark.skipif(not SEED.exists(), reason="shared/seeds is not beside the checkout")
def test_dutch_texts_are_verbatim_from_the_document(knowledge: Knowledge) -> None:
    # The model's gap "[naam onderwijsinstelling]" is filled with the school, like "Het Kofschip".
    text = SEED.read_text(encoding="utf-8").replace("[naam onderwijsinstelling]", "Het Kofschip")
    document = " ".join(text.split())
    for clause in knowledge.clauses:
        words = " ".join(clause.text.split())
        for sentence in re.split(r"(?<=[.;])\s+", words):
            assert sentence.rstrip(".;") in document, (clause.id, sentence)


def test_duplicate_clause_id(tmp_path: Path) -> None:
    folder = _mutated_protocol(tmp_path, lambda d: d["clauses"][2].update(id="U1"))
    assert any("clause U1: duplicate clause id" in p for p in _problems(folder))


def test_related_id_that_does_not_exist(tmp_path: Path) -> None:
    folder = _mutated_protocol(tmp_path, lambda d: _clause(d, "A5").update(related=["Z9"]))
    assert any("clause A5: related: unknown clause id 'Z9'" in p for p in _problems(folder))


def test_missing_translation(tmp_path: Path) -> None:
    folder = _mutated_protocol(tmp_path, lambda d: _clause(d, "A6")["answer"].pop("en"))
    assert any("clause A6: answer.en" in p and "required" in p for p in _problems(folder))


def test_too_few_english_phrasings(tmp_path: Path) -> None:
    def drop(d: dict[str, Any]) -> None:
        _clause(d, "A2")["questions"]["en"] = ["only one"]

    problems = _problems(_mutated_protocol(tmp_path, drop))
    assert any("clause A2: questions.en: 1 phrasings, at least 4" in p for p in problems)


def test_unknown_concept(tmp_path: Path) -> None:
    folder = _mutated_protocol(tmp_path, lambda d: _clause(d, "B1")["concepts"].append("NOPE"))
    assert any("clause B1: concepts: unknown concept 'NOPE'" in p for p in _problems(folder))


def test_unknown_section(tmp_path: Path) -> None:
    folder = _mutated_protocol(tmp_path, lambda d: _clause(d, "C1").update(section="X"))
    assert any("clause C1: section: unknown section 'X'" in p for p in _problems(folder))


def test_unknown_placeholder(tmp_path: Path) -> None:
    folder = _mutated_protocol(tmp_path, lambda d: _clause(d, "C3").update(text="{schol} x"))
    assert any("clause C3: text: unknown placeholder {schol}" in p for p in _problems(folder))


def test_bad_clause_id_and_bad_threshold(tmp_path: Path) -> None:
    def break_fields(d: dict[str, Any]) -> None:
        _clause(d, "S1")["threshold"] = 2
        d["clauses"][0]["id"] = "intro!"

    problems = _problems(_mutated_protocol(tmp_path, break_fields))
    assert any("clause S1: threshold" in p and "less than or equal to 1" in p for p in problems)
    assert any("clause intro!: id" in p for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    path = folder / "protocol.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = "  broken: [unclosed"
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = _problems(folder)
    assert re.search(r"protocol\.yaml: line \d+, column \d+: YAML syntax", problems[0])


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    path = folder / "lexicon.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\naliases: {}\n", encoding="utf-8")
    assert any("duplicate key 'aliases'" in p for p in _problems(folder))


def test_yaml_boolean_word_gets_a_hint(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    path = folder / "lexicon.yaml"
    text = path.read_text(encoding="utf-8").replace('"no", "yes"', "no, yes")
    path.write_text(text, encoding="utf-8")
    assert any("quote yes/no/on/off" in p for p in _problems(folder))


def test_unknown_concept_in_domain_combination(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    path = folder / "lexicon.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["domain_combinations"].append(["PHOTO", "MISSING"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("unknown concept 'MISSING'" in p for p in _problems(folder))


def test_missing_file(tmp_path: Path) -> None:
    folder = _copy_knowledge(tmp_path)
    (folder / "protocol.yaml").unlink()
    assert any("protocol.yaml: cannot read the file" in p for p in _problems(folder))


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    def break_two(d: dict[str, Any]) -> None:
        _clause(d, "A1").update(related=["Q1"])
        _clause(d, "A3").update(section="nope")

    assert len(_problems(_mutated_protocol(tmp_path, break_two))) == 2
