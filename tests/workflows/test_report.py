"""The question log and `policybot report`, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.models import IncomingMessage, Reply, UserRef
from bot.questions import BatchingQuestionLog, DbQuestionLog, masked, needs_review
from bot.reload import ReloadableAssistant
from bot.report import Report, build_report, improvement_queue, render_text
from bot.report_html import render_html
from bot.store.db import Store
from bot.store.models import FeedbackRow, QuestionRow
from bot.workflows.base import Actor, Context
from bot.workflows.doubt_check import DoubtDraft, decide, submit
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation
from bot.workflows.record import purge
from tests.workflows.conftest import ANNA, DIRECTOR, EVA, OTHER_DIRECTOR, knowledge_for

SCHOOLS = {"kofschip": "Het Kofschip", "regenboog": "De Regenboog"}
ASKED = [
    "Mag ik foto's van mijn klas op Instagram zetten?",
    "mag ik fotos van de klas op insta plaatsen",
    "Can I post photos of my class on Instagram?",
    "Hoe laat begint de voetbaltraining?",
    "hoe laat begint voetbaltraining vandaag",
    "Wat is het wachtwoord van de wifi?",
    "hoi",
]


def _serving(ctx: Context) -> ReloadableAssistant:
    assistant = Assistant(knowledge_for("Het Kofschip"))
    return ReloadableAssistant(assistant, questions=DbQuestionLog(ctx.store, clock=ctx.clock))


def _ask(assistant: Assistant, text: str, platform: str = "slack") -> Reply:
    return assistant.handle(IncomingMessage(text=text, user=UserRef(platform, "U123", "Anna")))


def _rows(store: Store) -> list[QuestionRow]:
    with store.transaction() as session:
        return list(session.scalars(select(QuestionRow).order_by(QuestionRow.id)))


def _report(ctx: Context, *, days: int = 30) -> Report:
    moment = ctx.clock.now()
    return build_report(
        ctx.store,
        knowledge_for("Het Kofschip"),
        since=moment - timedelta(days=days),
        now=moment,
        retention_days=90,
        school_names=SCHOOLS,
    )


def test_questions_are_logged_without_anyone_and_texts_only_when_worth_review(
    ctx: Context,
) -> None:
    serving = _serving(ctx)
    replies = [_ask(serving, text) for text in ASKED]
    rows = _rows(ctx.store)
    assert len(rows) == len(ASKED) - 1  # the greeting is not a question
    assert [r.kind for r in rows] == [r.kind for r in replies if r.kind != "help"]
    assert rows[0].clause_id == "A5" and rows[0].text is None
    assert rows[0].confidence == replies[0].confidence and (replies[0].confidence or 0) > 0.5
    declined = [r for r in rows if r.kind == "out_of_scope"]
    assert declined and all(r.text and r.clause_id is None for r in declined)
    columns = set(QuestionRow.__table__.columns.keys())
    assert not columns & {"user", "user_id", "user_hash", "email", "school"}
    assert {r.platform for r in rows} == {"slack"}


def test_the_batching_log_writes_every_queued_question_on_close(ctx: Context) -> None:
    log = BatchingQuestionLog(ctx.store, clock=ctx.clock, batch=7)
    serving = ReloadableAssistant(Assistant(knowledge_for("Het Kofschip")), questions=log)
    for _ in range(10):
        for text in ASKED:
            _ask(serving, text, platform="teams")
    log.close()
    rows = _rows(ctx.store)
    assert len(rows) == 10 * (len(ASKED) - 1)
    assert {r.platform for r in rows} == {"teams"}


def test_the_batching_log_survives_a_database_fault(
    ctx: Context, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    broken = Store(create_engine(f"sqlite:///{tmp_path / 'no-tables.db'}"))  # never migrated
    log = BatchingQuestionLog(broken, clock=ctx.clock)
    serving = ReloadableAssistant(Assistant(knowledge_for("Het Kofschip")), questions=log)
    assert _ask(serving, ASKED[0]).clause_id == "A5"
    log.close()
    assert "question(s) not logged (OperationalError)" in caplog.text


def test_texts_kept_for_review_are_masked() -> None:
    text = masked("Mag ik juf@kofschip.nl of 06-12345678 noemen in een post?")
    assert text == "Mag ik [email] of [telefoon] noemen in een post?"
    assert len(masked("x" * 5000)) == 500


def test_low_confidence_and_did_you_mean_answers_need_review() -> None:
    sure = Reply(kind="answer", lang="nl", text="", clause_id="A5", confidence=0.9)
    unsure = Reply(kind="answer", lang="nl", text="", clause_id="A5", confidence=0.4)
    tie = Reply(kind="did_you_mean", lang="nl", text="", clause_id="A5", confidence=0.9)
    assert not needs_review(sure)
    assert needs_review(unsure) and needs_review(tie)


def test_a_database_fault_costs_the_log_row_not_the_answer(
    ctx: Context, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    broken = Store(create_engine(f"sqlite:///{tmp_path / 'no-tables.db'}"))  # never migrated
    log = DbQuestionLog(broken, clock=ctx.clock)
    serving = ReloadableAssistant(Assistant(knowledge_for("Het Kofschip")), questions=log)
    reply = _ask(serving, ASKED[0])
    assert reply.kind == "answer" and reply.clause_id == "A5"
    assert _rows(ctx.store) == []
    assert "question not logged (OperationalError)" in caplog.text
    assert "Instagram" not in caplog.text


def test_report_counts_questions_per_clause_and_feedback(ctx: Context) -> None:
    serving = _serving(ctx)
    for text in ASKED:
        _ask(serving, text)
    _add_feedback(ctx, [("A5", True), ("A5", True), ("A5", False), ("B3", False)])
    report = _report(ctx)
    assert (report.questions, report.answered + report.unsure, report.declined) == (6, 3, 3)
    lines = {line.clause_id: line for line in report.clauses}
    assert (lines["A5"].asked, lines["A5"].helpful, lines["A5"].unhelpful) == (3, 2, 1)
    assert lines["A5"].number == "A.5" and "Foto" in lines["A5"].title
    assert (lines["B3"].asked, lines["B3"].unhelpful) == (0, 1)
    assert report.clauses[0].clause_id == "A5"  # most asked first


def test_report_groups_similar_unanswered_questions_most_frequent_first(ctx: Context) -> None:
    serving = _serving(ctx)
    for text in ASKED:
        _ask(serving, text)
    queue = _report(ctx).queue
    assert [group.count for group in queue] == [2, 1]
    assert "voetbaltraining" in queue[0].text and len(queue[0].examples) == 1
    assert "wachtwoord" in queue[1].text


def test_grouping_keeps_different_questions_apart() -> None:
    rows = [
        QuestionRow(kind="out_of_scope", text=t)
        for t in (
            "mag ik een foto van de kerstmarkt op facebook",
            "mag ik een foto van de kerstmarkt op facebook?",
            "wie betaalt de schoolreis",
            "Mag ik een foto van de kerstmarkt op Facebook zetten",
        )
    ]
    groups = improvement_queue(rows)
    assert [g.count for g in groups] == [3, 1]


def test_report_has_median_times_per_school_and_no_identities(
    ctx: Context, clock: ManualClock
) -> None:
    _doubt_decided_after(ctx, clock, ANNA, DIRECTOR, timedelta(hours=2))
    _doubt_decided_after(ctx, clock, ANNA, DIRECTOR, timedelta(hours=4))
    _doubt_decided_after(ctx, clock, EVA, OTHER_DIRECTOR, timedelta(hours=1))
    _escalation_acknowledged_after(ctx, clock, timedelta(minutes=10))
    submit(ctx, Actor(ANNA), DoubtDraft("Nog niet besloten"))
    report = _report(ctx)
    schools = {line.school: line for line in report.schools}
    kofschip, regenboog = schools["Het Kofschip"], schools["De Regenboog"]
    assert (kofschip.doubt_checks, kofschip.decided, kofschip.median_decision_hours) == (3, 2, 3.0)
    assert (kofschip.escalations, kofschip.acknowledged, kofschip.median_ack_minutes) == (1, 1, 10)
    assert (regenboog.doubt_checks, regenboog.median_decision_hours) == (1, 1.0)
    everything = render_text(report) + render_html(report)
    for person in (ANNA, DIRECTOR, EVA, OTHER_DIRECTOR, "anna", "Directeur"):
        assert person not in everything


def test_report_period_excludes_older_questions(ctx: Context, clock: ManualClock) -> None:
    serving = _serving(ctx)
    _ask(serving, ASKED[0])
    clock.advance(timedelta(days=40))
    _ask(serving, ASKED[3])
    report = _report(ctx, days=30)
    assert (report.questions, report.declined, report.clauses) == (1, 1, ())


def test_question_texts_are_gone_after_the_retention_period(
    ctx: Context, clock: ManualClock
) -> None:
    serving = _serving(ctx)
    _ask(serving, ASKED[3])
    clock.advance(timedelta(days=91))
    assert _report(ctx, days=365).queue == ()  # hidden even before the purge runs
    assert purge(ctx, 90).questions == 1
    rows = _rows(ctx.store)
    assert [(r.kind, r.text) for r in rows] == [("out_of_scope", None)]
    assert _report(ctx, days=365).declined == 1  # the count stays


def test_html_report_embeds_charts_and_escapes_texts(ctx: Context, clock: ManualClock) -> None:
    serving = _serving(ctx)
    for text in [*ASKED, "<script>wat kost de schoolreis?</script>"]:
        _ask(serving, text)
    _add_feedback(ctx, [("A5", True), ("A5", False)])
    _escalation_acknowledged_after(ctx, clock, timedelta(minutes=5))
    page = render_html(_report(ctx))
    assert page.startswith("<!doctype html>") and "<script>" not in page
    assert "&lt;script&gt;" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3  # outcomes, per clause, per school
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere


def test_empty_report_says_so(ctx: Context) -> None:
    report = _report(ctx)
    assert report.questions == 0
    assert render_text(report).count("niets in deze periode / nothing in this period") == 3
    assert "niets in deze periode" in render_html(report)


def _add_feedback(ctx: Context, votes: list[tuple[str, bool]]) -> None:
    with ctx.store.transaction() as session:
        for clause_id, helpful in votes:
            session.add(
                FeedbackRow(
                    platform="slack",
                    user_hash="h",
                    clause_id=clause_id,
                    helpful=helpful,
                    created_at=ctx.clock.now(),
                )
            )


def _doubt_decided_after(
    ctx: Context, clock: ManualClock, requester: str, director: str, delay: timedelta
) -> None:
    request_id = submit(ctx, Actor(requester), DoubtDraft("Mag deze post online?")).request_id
    assert request_id is not None
    clock.advance(delay)
    assert decide(ctx, Actor(director), request_id, "approve").ok
    clock.advance(-delay)


def _escalation_acknowledged_after(ctx: Context, clock: ManualClock, delay: timedelta) -> None:
    report = EscalationInput(("https://x.example/1",), "X", "Ouder scheldt", "today")
    request_id = open_escalation(ctx, Actor(ANNA), report).request_id
    assert request_id is not None
    clock.advance(delay)
    assert acknowledge(ctx, Actor(DIRECTOR), request_id).ok
    clock.advance(-delay)
