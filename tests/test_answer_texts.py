"""Answers that read right: the rule first (no bare ja/nee/yes/no), and a variant when the
question already states a clause's condition (consent given, part of the lesson, no names)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.assistant import Assistant
from bot.knowledge import KnowledgeError, knowledge_dir, load_knowledge
from bot.models import IncomingMessage, Knowledge, Reply, UserRef

USER = UserRef(platform="test", user_id="u1")
# Openings that answer yes or no before the rule. "No" and the like only count with a mark
# after them: "No one may ..." states a rule.
_ALWAYS_YES_NO = r"ja|nee|neen|jawel|welnee|yes|yep|yeah|nope"
_YES_NO_WITH_MARK = r"no|klopt|correct|zeker|sure|absoluut|absolutely|natuurlijk"
BARE_YES_NO = re.compile(
    rf"^\W*(?:(?:{_ALWAYS_YES_NO})\b|(?:{_YES_NO_WITH_MARK})(?:\s*[,.;:!?—–-]|\s*$))",
    re.IGNORECASE,
)


def ask(assistant: Assistant, text: str) -> Reply:
    return assistant.handle(IncomingMessage(text=text, user=USER))


def opens_with_yes_or_no(text: str) -> bool:
    """Whether `text` opens with a bare ja/nee/yes/no ("Nee.", "No —", "Ja, je mag ...")."""
    return BARE_YES_NO.match(text) is not None


def every_answer(knowledge: Knowledge) -> Iterator[tuple[str, str]]:
    """(where, text) for every clause answer and variant answer, in both languages."""
    for clause in knowledge.clauses:
        for lang in ("nl", "en"):
            yield f"{clause.id} answer.{lang}", clause.answer.get(lang)
            for i, variant in enumerate(clause.variants):
                yield f"{clause.id} variants.{i}.answer.{lang}", variant.answer.get(lang)


# --- no bare yes/no opening -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ja, je mag kennis delen.",
        "Nee. Dat mag niet.",
        "Nee dat mag niet",
        "No — deleting doesn't undo it.",
        "No, not without consent.",
        "No.",
        "Yes, if the foundation judges it so.",
        "  yes: always",
        "Klopt, dat geldt ook voor stagiaires.",
        "Sure! Go ahead.",
    ],
)
def test_the_check_flags_yes_or_no_openings(text: str) -> None:
    assert opens_with_yes_or_no(text)


@pytest.mark.parametrize(
    "text",
    [
        "No one may share pupils' names.",
        "Nobody takes that off your hands.",
        "Jij bent zelf verantwoordelijk.",
        "Yesterday's post stays public.",
        "Neem direct contact op met je directeur.",
        "Zonder toestemming mag het niet.",
    ],
)
def test_the_check_lets_rules_through(text: str) -> None:
    assert not opens_with_yes_or_no(text)


def test_no_answer_or_variant_opens_with_a_bare_yes_or_no(knowledge: Knowledge) -> None:
    flagged = [where for where, text in every_answer(knowledge) if opens_with_yes_or_no(text)]
    assert flagged == []


def test_the_clauses_with_an_exception_have_variants(knowledge: Knowledge) -> None:
    with_variants = {clause.id for clause in knowledge.clauses if clause.variants}
    assert with_variants >= {"A1", "A2", "A5", "C1", "D2"}


@pytest.mark.parametrize(
    ("question", "clause", "expected", "not_expected"),
    [
        ("is it still public after I delete it?", "A4", "stays public", "No"),
        ("who decides what is grensoverschrijdend?", "S2", "judges whether", "Yes"),
        (
            "can I share the class's test results in a teachers' FB group",
            "A1",
            "nothing confidential or personal",
            "Yes",
        ),
    ],
)
def test_answers_from_the_issue_state_the_rule(
    assistant: Assistant, question: str, clause: str, expected: str, not_expected: str
) -> None:
    reply = ask(assistant, question)
    assert reply.clause_id == clause
    assert expected in reply.text
    assert not reply.text.startswith(not_expected)


# --- condition variants, through Assistant.handle with the bundled knowledge ------------------

CONSENT_NL = "Met uitdrukkelijke toestemming voor plaatsing"
CONSENT_EN = "With explicit consent to posting"
LESSON_NL = "Als social media onderdeel van de les zijn"
LESSON_EN = "If social media are part of the lesson"
MANAGEMENT_NL = "Met toestemming van de schoolleiding"
MANAGEMENT_EN = "With permission from school management"


@pytest.mark.parametrize(
    ("question", "clause", "opening"),
    [
        (
            "mag ik een filmpje van de schoolmusical op tiktok zetten? "
            "de ouders hebben het toestemmingsformulier getekend",
            "A5",
            CONSENT_NL,
        ),
        (
            "mag ik een filmpje van de musical op tiktok zetten, de ouders hebben toestemming "
            "gegeven",
            "A5",
            CONSENT_NL,
        ),
        (
            "can I put the school musical video on TikTok? the parents signed the consent form",
            "A5",
            CONSENT_EN,
        ),
        (
            "I have the parents' consent, can I post the class photo on instagram?",
            "A5",
            CONSENT_EN,
        ),
        (
            "mag ik tijdens de les facebook gebruiken voor een les over mediawijsheid?",
            "A2",
            LESSON_NL,
        ),
        ("can I use facebook during class for a media-literacy lesson", "A2", LESSON_EN),
        (
            "mag ik onder de les op twitter als de directeur toestemming heeft gegeven?",
            "A2",
            MANAGEMENT_NL,
        ),
        ("may I use instagram during lessons? my director gave permission", "A2", MANAGEMENT_EN),
        (
            "mag ik de toetsresultaten van mijn klas zonder namen delen in een facebookgroep "
            "voor leerkrachten?",
            "A1",
            "Zonder vertrouwelijke of persoonlijke informatie mag je kennis",
        ),
        (
            "can I share my class's test results in a teachers' facebook group without names?",
            "A1",
            "Without confidential or personal information you may share",
        ),
        (
            "mag ik in mijn vrije tijd bloggen over school als ik geen namen noem?",
            "C1",
            "Zonder vertrouwelijke of persoonsgebonden informatie mag je buiten werktijd",
        ),
        (
            "can I blog about school in my own time if I use no names?",
            "C1",
            "Without confidential or personal information you may publish",
        ),
        (
            "geldt het protocol ook voor mijn vakantiefoto's die niets met school te maken hebben?",
            "D2",
            "Een privébericht dat niets met school te maken heeft, valt niet onder",
        ),
        (
            "does the protocol apply to my private posts that have nothing to do with school?",
            "D2",
            "A private post that has nothing to do with school is not covered",
        ),
        (
            "geldt het protocol ook voor wat ik privé post over school?",
            "D2",
            "Gaat je bericht over school",
        ),
        ("does the protocol cover private posts about my school?", "D2", "If your post is about"),
    ],
)
def test_a_question_that_states_the_condition_gets_the_variant(
    assistant: Assistant, question: str, clause: str, opening: str
) -> None:
    reply = ask(assistant, question)
    assert (reply.clause_id, reply.kind) == (clause, "answer")
    assert reply.text.startswith(opening)
    assert reply.quote is not None and reply.quote.number == f"{clause[0]}.{clause[1:]}"


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("mag ik foto's van de klas op insta zetten zonder toestemming van de ouders?", "A5"),
        ("de ouders hebben geen toestemming gegeven, mag ik de foto toch plaatsen?", "A5"),
        ("heb ik toestemming van de ouders nodig voor een foto op facebook?", "A5"),
        ("can I post class photos on instagram without consent?", "A5"),
        ("do I need the parents' permission to post a photo of my class?", "A5"),
        ("mag ik onder de les op facebook zonder toestemming van de directeur?", "A2"),
    ],
)
def test_a_negated_or_asked_condition_gets_the_clause_answer(
    assistant: Assistant, knowledge: Knowledge, question: str, clause: str
) -> None:
    reply = ask(assistant, question)
    assert reply.clause_id == clause
    assert reply.text == knowledge.clause(clause).answer.get(reply.lang)


def test_a_plain_question_gets_the_clause_answer(
    assistant: Assistant, knowledge: Knowledge
) -> None:
    reply = ask(assistant, "mag ik foto's van mijn klas op instagram zetten?")
    assert reply.clause_id == "A5"
    assert reply.text == knowledge.clause("A5").answer.nl


def test_show_clause_without_a_question_gets_the_clause_answer(
    assistant: Assistant, knowledge: Knowledge
) -> None:
    assert assistant.show_clause("A5", "en").text == knowledge.clause("A5").answer.en


def test_variant_answers_fill_placeholders() -> None:
    other = load_knowledge(school="De Regenboog", foundation="Stichting Test")
    texts = [text for _, text in every_answer(other)]
    assert not [text for text in texts if "{school}" in text or "{foundation}" in text]


# --- the loader validates variants ------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _problems_after(tmp_path: Path, mutate: Mutation) -> list[str]:
    folder = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    path = folder / "protocol.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    return [str(p) for p in caught.value.problems]


def _variant(data: dict[str, Any], clause_id: str, index: int = 0) -> dict[str, Any]:
    clause = next(c for c in data["clauses"] if c["id"] == clause_id)
    variant: dict[str, Any] = clause["variants"][index]
    return variant


def test_a_variant_without_an_english_answer_is_named(tmp_path: Path) -> None:
    problems = _problems_after(tmp_path, lambda d: _variant(d, "A5")["answer"].pop("en"))
    assert any("clause A5: variants.0.answer.en" in p and "required" in p for p in problems)


def test_a_variant_without_english_cues_is_named(tmp_path: Path) -> None:
    problems = _problems_after(tmp_path, lambda d: _variant(d, "A2", 1)["when"].update(en=[]))
    assert any("clause A2: variants.1.when.en" in p and "at least 1" in p for p in problems)


def test_an_unknown_field_in_a_variant_is_named(tmp_path: Path) -> None:
    problems = _problems_after(tmp_path, lambda d: _variant(d, "C1").update(unless=["x"]))
    assert any("clause C1: variants.0.unless" in p and "Extra inputs" in p for p in problems)


@pytest.mark.parametrize(
    ("cue", "message"),
    [
        ("  ", "cue '  ' has no words"),
        ("zonder geen", "cue 'zonder geen' is only negations"),
        ("to*estemming", "cue word 'to*estemming': * only ends a word of at least 3 letters"),
        ("on*", "cue word 'on*': * only ends a word of at least 3 letters"),
        ("Toestemming  Gegeven", "repeats variants.0.when.nl.0"),
    ],
)
def test_bad_cues_are_named(tmp_path: Path, knowledge: Knowledge, cue: str, message: str) -> None:
    problems = _problems_after(tmp_path, lambda d: _variant(d, "A5")["when"]["en"].append(cue))
    added = len(knowledge.clause("A5").variants[0].cues_en)
    where = f"clause A5: variants.0.when.en.{added}: "
    assert [p for p in problems if where in p and message in p], problems


def test_an_unknown_placeholder_in_a_variant_answer_is_named(tmp_path: Path) -> None:
    def misspell(d: dict[str, Any]) -> None:
        _variant(d, "D2", 1)["answer"]["nl"] += " {schol}"

    problems = _problems_after(tmp_path, misspell)
    assert any(
        "clause D2: variants.1.answer.nl: unknown placeholder {schol}" in p for p in problems
    )
