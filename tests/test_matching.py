"""The matcher: reachability, abstention, did-you-mean, explanations, and robustness."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.evaluation import evaluate, load_question_set
from bot.matching import Index, MatcherConfig, build_index, match
from bot.models import Knowledge

DATA = Path(__file__).parent / "data"
EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"
UNSEEN: dict[str, list[str]] = yaml.safe_load((DATA / "unseen.yaml").read_text(encoding="utf-8"))


def test_unseen_phrasings_are_really_unseen(knowledge: Knowledge) -> None:
    known = {q.casefold() for c in knowledge.clauses for q in c.questions}
    assert not [q for qs in UNSEEN.values() for q in qs if q.casefold() in known]


def test_every_clause_has_three_unseen_phrasings(knowledge: Knowledge) -> None:
    assert sorted(UNSEEN) == sorted(c.id for c in knowledge.clauses)
    assert all(len(qs) >= 3 for qs in UNSEEN.values())


@pytest.mark.parametrize(
    ("clause_id", "question"), [(cid, q) for cid, qs in UNSEEN.items() for q in qs]
)
def test_every_clause_is_reachable_by_unseen_phrasings(
    index: Index, clause_id: str, question: str
) -> None:
    result = match(question, index)
    assert result.abstained is False, result.reason
    assert result.matches[0].clause_id == clause_id


@pytest.mark.parametrize(
    ("question", "clause_id"),
    [
        ("mag ik fotos van de kindren op fb zetten", "A5"),
        ("Mag ik foto's van mijn klas op Instagram zetten?", "A5"),
        ("mag k onder de les ff op insta", "A2"),
        ("vriendschapsverzoek van leeling", "A6"),
        ("Can I post photos of my class on Instagram?", "A5"),
    ],
)
def test_typical_questions(index: Index, question: str, clause_id: str) -> None:
    result = match(question, index)
    assert (result.abstained, result.matches[0].clause_id) == (False, clause_id)


@pytest.mark.parametrize(
    "question",
    [
        "Hoeveel vakantiedagen heb ik?",
        "hoi",
        "ik ben mijn wachtwoord vergeten",
        "wat voor weer wordt het morgen",
        "Quel temps fait-il aujourd'hui ?",
        "Wie viel Urlaub habe ich?",
        "wanneer is de volgende teamvergadering",
        "hoe werkt de meldcode bij een vermoeden van huiselijk geweld",
        "wat is ons pestprotocol als kinderen elkaar op het schoolplein pesten",
        "how do I request parental leave",
        "12345",
        "???",
    ],
)
def test_abstains_outside_the_protocol(index: Index, question: str) -> None:
    assert match(question, index).abstained is True


def test_abstention_reasons(index: Index) -> None:
    assert match("", index).reason == "empty"
    assert match("hoeveel vakantiedagen heb ik", index).reason == "out_of_scope"


def test_global_threshold_controls_abstention(knowledge: Knowledge) -> None:
    strict = build_index(knowledge, replace(MatcherConfig(), threshold=0.9999))
    result = match("mag ik iets op facebook zetten", strict)
    assert (result.abstained, result.reason) == (True, "low_confidence")


def test_clause_threshold_overrides_the_global_one(knowledge: Knowledge) -> None:
    a5 = replace(knowledge.clause("A5"), threshold=0.9999)
    clauses = tuple(a5 if c.id == "A5" else c for c in knowledge.clauses)
    index = build_index(replace(knowledge, clauses=clauses))
    result = match("mag ik een filmpje van de musical op youtube zetten", index)
    assert (result.matches[0].clause_id, result.abstained) == ("A5", True)


def test_did_you_mean_on_a_near_tie(knowledge: Knowledge) -> None:
    wide = build_index(knowledge, replace(MatcherConfig(), near_tie=1.0))
    result = match("moet ik zeggen dat ik op school werk als ik reageer op facebook", wide)
    assert result.ambiguous is True
    narrow = build_index(knowledge, replace(MatcherConfig(), near_tie=0.0))
    assert match(result.question, narrow).ambiguous is False


def test_every_match_explains_itself(index: Index, knowledge: Knowledge) -> None:
    result = match("mag ik een selfie met mijn klas op tiktok zetten", index)
    best, runner_up = result.matches[0], result.matches[1]
    assert best.clause_id == "A5"
    assert best.phrasing in knowledge.clause("A5").questions or best.phrasing.endswith(
        knowledge.clause("A5").text_in("nl")
    )
    assert 0.0 < runner_up.confidence <= best.confidence <= 1.0
    assert "PHOTO" in result.concepts


def test_ranking_is_ordered_and_confidences_are_probabilities(index: Index) -> None:
    result = match("een leerling wil me volgen op instagram", index)
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= m.confidence <= 1.0 for m in result.matches)


def test_long_input_is_clipped_and_flagged(index: Index) -> None:
    result = match("mag ik foto's op facebook zetten " * 200, index)
    assert result.truncated is True
    assert len(result.question) == 2000


def test_english_question_is_detected(index: Index) -> None:
    assert match("can I be friends with a pupil on facebook", index).lang == "en"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_matcher_never_raises(index: Index, text: str) -> None:
    result = match(text, index)
    assert result.abstained or result.matches


@pytest.mark.parametrize(
    ("name", "min_top1", "min_abstention"),
    [("tune.yaml", 0.85, 0.9), ("heldout.yaml", 0.85, 0.9)],
)
def test_accuracy_does_not_regress(
    index: Index, name: str, min_top1: float, min_abstention: float
) -> None:
    report = evaluate(load_question_set(EVALUATION / name), index)
    assert report.top1_rate >= min_top1
    assert report.abstention_rate >= min_abstention
