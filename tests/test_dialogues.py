"""The follow-up rules on the multi-turn dialogue sets, and the dialogue set format."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.conversation import Conversations
from bot.dialogues import DialogueReport, evaluate_dialogues, load_dialogues
from bot.knowledge import KnowledgeError
from bot.matching import Index
from bot.models import Knowledge

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"


@pytest.fixture(scope="module", params=["dialogues.yaml", "dialogues_heldout.yaml"])
def report(request: pytest.FixtureRequest, knowledge: Knowledge, index: Index) -> DialogueReport:
    assistant = Assistant(knowledge, index=index, conversations=Conversations())
    return evaluate_dialogues(load_dialogues(EVALUATION / request.param), assistant)


def test_the_context_answers_more_follow_ups_right(report: DialogueReport) -> None:
    assert report.followups_with.turns >= 38
    assert report.followups_with.rate >= report.followups_without.rate + 0.15


def test_the_context_does_not_hurt_first_and_self_contained_questions(
    report: DialogueReport,
) -> None:
    assert report.others_with.right >= report.others_without.right


def test_a_dialogue_set_with_a_bad_turn_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- turns:\n    - q: 'hoi'\n      expect: A5\n      followup: false\n", "utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_dialogues(bad)
    assert "bad.yaml" in str(caught.value) and "expect" in str(caught.value)


def test_a_dialogue_set_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("turns: []\n", "utf-8")
    with pytest.raises(KnowledgeError, match="list of dialogues"):
        load_dialogues(bad)
