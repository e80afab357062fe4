"""The guidance the director gets with an escalation fits who is doing what.

S.2 and S.4 (reports about staff's own statements) only when a staff member's conduct is at
issue; otherwise, e.g. parents threatening a teacher, B.2's strategy and A.7.
"""

from __future__ import annotations

import pytest

from bot.workflows.base import Actor, Context
from bot.workflows.escalation import EscalationInput, open_escalation
from bot.workflows.guidance import staff_conduct_at_issue
from tests.workflows.conftest import ANNA, DIRECTOR, inbox, knowledge_for
from tests.workflows.test_flow_language import with_english_director

OTHERS_ACT = [
    "Ouders bedreigen een leerkracht in de klassenapp",
    "Ouders schelden in de oudergroep op juf Anna",
    "Een vader dreigt de juf iets aan te doen",
    "De juf wordt online bedreigd door een vader",
    "Er komen steeds meer boze reacties onder een post van school",
    "Parents are threatening a teacher in the class group chat",
    "The teacher is being harassed by parents on Facebook",
]
STAFF_ACT = [
    "Een collega heeft een leerling uitgescholden in de klassenapp",
    "Mijn collega plaatste foto's van leerlingen met hun namen",
    "Ouders klagen over berichten van een collega op Instagram",
    "Een leerling wordt bedreigd door een leraar via WhatsApp",
    "Een ouder zegt dat meester Bram iets gemeens heeft gepost",
    "A colleague posted insulting comments about a parent",
    "Angry replies to posts by a teacher about a pupil",
]


@pytest.mark.parametrize("description", OTHERS_ACT)
def test_staff_as_the_target_is_not_staff_conduct(description: str) -> None:
    assert not staff_conduct_at_issue(description)


@pytest.mark.parametrize("description", STAFF_ACT)
def test_staff_doing_something_is_staff_conduct(description: str) -> None:
    assert staff_conduct_at_issue(description)


def alert_for(ctx: Context, description: str) -> str:
    report = EscalationInput(("https://facebook.com/groups/ouders/1",), "Facebook", description)
    assert open_escalation(ctx, Actor(ANNA), report).ok
    return inbox(ctx, DIRECTOR)[0]


def test_parents_threatening_a_teacher_get_the_strategy_not_sanctions(ctx: Context) -> None:
    knowledge = knowledge_for("Het Kofschip")
    alert = alert_for(ctx, "Ouders bedreigen een leerkracht in de klassenapp")
    assert "• B.2 " + knowledge.clause("B2").text in alert
    assert "• A.7 " + knowledge.clause("A7").text in alert
    assert knowledge.clause("S2").text not in alert
    assert knowledge.clause("S4").text not in alert


def test_a_colleagues_own_conduct_gets_s2_and_s4(ctx: Context) -> None:
    knowledge = knowledge_for("Het Kofschip")
    alert = alert_for(ctx, "Een collega heeft een leerling uitgescholden in de klassenapp")
    assert "Het gaat om het gedrag van een medewerker" in alert
    assert "• S.2 " + knowledge.clause("S2").text in alert
    assert "• S.4 " + knowledge.clause("S4").text in alert
    assert knowledge.clause("B2").text not in alert


def test_the_guidance_is_in_the_directors_language(ctx: Context) -> None:
    english = with_english_director(ctx)
    alert = alert_for(english, "Een collega heeft een leerling uitgescholden")
    assert alert.startswith("🚨 Escalation #1 from Juf Anna")
    assert "A staff member's own conduct is at issue" in alert
    assert knowledge_for("Het Kofschip").clause("S2").text_en in alert
