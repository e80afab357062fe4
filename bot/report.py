"""`policybot report`: what staff ask, what the knowledge misses, and how the workflows run.

Everything here is an aggregate. It names no person: questions were logged without user ids
(bot/questions.py), feedback (helpful / not helpful) is counted per clause, and doubt checks
and escalations are counted per school. Question texts appear only in the improvement queue,
only for questions the assistant declined or was unsure of, and never once they are older than
the retention period.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.models import Knowledge
from bot.store.db import Store
from bot.store.models import AuditEvent, Base, FeedbackRow, QuestionRow, RequestRow
from bot.text import fold

SIMILAR = 70  # rapidfuzz token_sort_ratio at or above which two questions are one group
MAX_EXAMPLES = 3
ACK_ACTIONS = ("acknowledge", "resolve")  # the director's first reaction to an escalation

Row = TypeVar("Row", bound=Base)


@dataclass(frozen=True)
class ClauseLine:
    """One clause: how often it was the answer, and its feedback (helpful / not helpful)."""

    clause_id: str
    number: str
    title: str
    asked: int
    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class QuestionGroup:
    """Similar questions the knowledge could not answer well, most frequent first."""

    text: str
    count: int
    examples: tuple[str, ...]
    declined: int


@dataclass(frozen=True)
class SchoolLine:
    """One school's doubt checks (B.3) and escalations (B.2)."""

    school: str
    doubt_checks: int
    decided: int
    median_decision_hours: float | None
    escalations: int
    acknowledged: int
    median_ack_minutes: float | None

    @property
    def median_decision_seconds(self) -> float | None:
        """The median time to a decision in seconds (the renderers choose the unit)."""
        hours = self.median_decision_hours
        return None if hours is None else hours * 3600

    @property
    def median_ack_seconds(self) -> float | None:
        """The median time to an acknowledgement in seconds."""
        minutes = self.median_ack_minutes
        return None if minutes is None else minutes * 60


@dataclass(frozen=True)
class TimeUnit:
    """A unit to show durations in: its length, symbol and names."""

    seconds: float
    symbol: str
    nl: str
    en: str


UNITS = (
    TimeUnit(1, "s", "seconden", "seconds"),
    TimeUnit(60, "min", "minuten", "minutes"),
    TimeUnit(3600, "h", "uren", "hours"),
    TimeUnit(86400, "d", "dagen", "days"),
)


def unit_for(seconds: float) -> TimeUnit:
    """The largest unit in which `seconds` is at least 2 (seconds below two minutes)."""
    fitting = [unit for unit in UNITS if seconds >= 2 * unit.seconds]
    return fitting[-1] if fitting else UNITS[0]


def format_duration(seconds: float | None) -> str:
    """A duration in the unit that fits it: "12 s", "10 min", "2.5 h", "3 d"."""
    if seconds is None:
        return "–"
    unit = unit_for(seconds)
    return f"{short_number(seconds / unit.seconds)} {unit.symbol}"


def short_number(value: float) -> str:
    """`value` with one decimal below 10 and none above, without a trailing ".0"."""
    text = f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"
    return text.removesuffix(".0")


@dataclass(frozen=True)
class Report:
    """The whole report for one period."""

    since: datetime
    until: datetime
    retention_days: int
    questions: int
    answered: int
    unsure: int
    declined: int
    clauses: tuple[ClauseLine, ...]
    queue: tuple[QuestionGroup, ...]
    schools: tuple[SchoolLine, ...]


def build_report(
    store: Store,
    knowledge: Knowledge,
    *,
    since: datetime,
    now: datetime,
    retention_days: int,
    school_names: dict[str, str] | None = None,
) -> Report:
    """Read the database and aggregate everything from `since` up to `now`."""
    texts_from = max(since, now - timedelta(days=retention_days))  # older texts are gone
    with store.transaction() as session:
        questions = _rows(session, QuestionRow, QuestionRow.asked_at, since, now)
        feedback = _rows(session, FeedbackRow, FeedbackRow.created_at, since, now)
        requests = _rows(session, RequestRow, RequestRow.created_at, since, now)
        acks = first_acknowledgements(session, [r.id for r in requests if r.kind == "escalation"])
    kinds = Counter(q.kind for q in questions)
    return Report(
        since=since,
        until=now,
        retention_days=retention_days,
        questions=len(questions),
        answered=kinds["answer"],
        unsure=kinds["did_you_mean"],
        declined=kinds["out_of_scope"],
        clauses=clause_lines(knowledge, questions, feedback),
        queue=improvement_queue(q for q in questions if q.text and q.asked_at >= texts_from),
        schools=school_lines(requests, acks, school_names or {}),
    )


def _rows(
    session: Session,
    model: type[Row],
    column: InstrumentedAttribute[datetime],
    since: datetime,
    until: datetime,
) -> list[Row]:
    return list(session.scalars(select(model).where(column >= since, column <= until)))


def clause_lines(
    knowledge: Knowledge, questions: Sequence[QuestionRow], feedback: Sequence[FeedbackRow]
) -> tuple[ClauseLine, ...]:
    """Per clause: answers given (did-you-mean included) and 👍/👎, most asked first."""
    asked = Counter(q.clause_id for q in questions if q.clause_id)
    helpful = Counter(f.clause_id for f in feedback if f.helpful)
    unhelpful = Counter(f.clause_id for f in feedback if not f.helpful)
    ids = set(asked) | set(helpful) | set(unhelpful)
    lines = [
        ClauseLine(
            cid, *_number_and_title(knowledge, cid), asked[cid], helpful[cid], unhelpful[cid]
        )
        for cid in ids
    ]
    return tuple(sorted(lines, key=lambda line: (-line.asked, line.number)))


def _number_and_title(knowledge: Knowledge, clause_id: str) -> tuple[str, str]:
    try:
        clause = knowledge.clause(clause_id)
    except KeyError:  # a clause since removed from the knowledge
        return clause_id, "(niet meer in het protocol / no longer in the protocol)"
    return clause.number, clause.title.nl


def improvement_queue(questions: Iterable[QuestionRow]) -> tuple[QuestionGroup, ...]:
    """The declined and uncertain questions, grouped by similarity, most frequent first."""
    groups: list[list[QuestionRow]] = []
    keys: list[str] = []
    for row in questions:
        key = fold(row.text or "")
        found = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR)
        if found is None:
            groups.append([row])
            keys.append(key)
        else:
            groups[found[2]].append(row)
    result = [_group(rows) for rows in groups]
    return tuple(sorted(result, key=lambda g: (-g.count, g.text)))


def _group(rows: list[QuestionRow]) -> QuestionGroup:
    texts = Counter(row.text or "" for row in rows)
    common = [text for text, _ in texts.most_common()]
    return QuestionGroup(
        text=common[0],
        count=len(rows),
        examples=tuple(common[1 : 1 + MAX_EXAMPLES]),
        declined=sum(row.kind == "out_of_scope" for row in rows),
    )


def first_acknowledgements(session: Session, request_ids: list[int]) -> dict[int, datetime]:
    """Per escalation, when the director first acknowledged or resolved it."""
    if not request_ids:
        return {}
    events = session.execute(
        select(AuditEvent.request_id, AuditEvent.at).where(
            AuditEvent.request_id.in_(request_ids), AuditEvent.action.in_(ACK_ACTIONS)
        )
    )
    first: dict[int, datetime] = {}
    for request_id, at in events:
        if request_id is not None and (request_id not in first or at < first[request_id]):
            first[request_id] = at
    return first


def school_lines(
    requests: Sequence[RequestRow], acks: dict[int, datetime], names: dict[str, str]
) -> tuple[SchoolLine, ...]:
    """Per school: counts and the median time to a decision and to an acknowledgement."""
    by_school: dict[str, list[RequestRow]] = defaultdict(list)
    for row in requests:
        by_school[row.school].append(row)
    return tuple(
        _school_line(names.get(school, school), rows, acks)
        for school, rows in sorted(by_school.items())
    )


def _school_line(name: str, rows: list[RequestRow], acks: dict[int, datetime]) -> SchoolLine:
    doubts = [r for r in rows if r.kind == "doubt_check"]
    escalations = [r for r in rows if r.kind == "escalation"]
    decisions = [r.decided_at - r.created_at for r in doubts if r.decided_at is not None]
    ack_times = [acks[r.id] - r.created_at for r in escalations if r.id in acks]
    return SchoolLine(
        school=name,
        doubt_checks=len(doubts),
        decided=len(decisions),
        median_decision_hours=_median(decisions, timedelta(hours=1)),
        escalations=len(escalations),
        acknowledged=len(ack_times),
        median_ack_minutes=_median(ack_times, timedelta(minutes=1)),
    )


def _median(durations: list[timedelta], unit: timedelta) -> float | None:
    if not durations:
        return None
    return statistics.median(d / unit for d in durations)


HEADINGS = {
    "title": "Rapport sociale-mediaprotocol / Social-media protocol report",
    "questions": "Vragen / Questions",
    "clauses": "Vragen en feedback per artikel / Questions and feedback per clause",
    "queue": "Niet of onzeker beantwoord, gegroepeerd / Unanswered or uncertain, grouped",
    "schools": "Twijfelchecks en escalaties per school / Doubt checks and escalations per school",
    "none": "(niets in deze periode / nothing in this period)",
}
HELPFUL, UNHELPFUL = "nuttig / helpful", "niet nuttig / not helpful"


def render_text(report: Report) -> str:
    """The report as plain text for the terminal (Markdown tables)."""
    parts = [f"# {HEADINGS['title']}", period_line(report), *_summary(report)]
    parts += [f"\n## {HEADINGS['clauses']}", *_clause_table(report.clauses)]
    parts += [f"\n## {HEADINGS['queue']}", *_queue_list(report.queue)]
    parts += [f"\n## {HEADINGS['schools']}", *_school_table(report.schools)]
    return "\n".join(parts) + "\n"


def period_line(report: Report) -> str:
    """The period covered and the retention period, on one line."""
    return (
        f"{report.since:%Y-%m-%d} – {report.until:%Y-%m-%d %H:%M} UTC · "
        f"bewaartermijn / retention {report.retention_days} d"
    )


def _summary(report: Report) -> list[str]:
    return [
        f"\n## {HEADINGS['questions']}",
        f"- totaal / total: {report.questions}",
        f"- beantwoord / answered: {report.answered}",
        f"- 'bedoelde je?' / did you mean: {report.unsure}",
        f"- buiten het protocol of te onzeker / declined: {report.declined}",
    ]


def _clause_table(lines: tuple[ClauseLine, ...]) -> list[str]:
    if not lines:
        return [HEADINGS["none"]]
    rows = [
        f"| artikel / clause | vragen / asked | {HELPFUL} | {UNHELPFUL} |",
        "|---|---:|---:|---:|",
    ]
    rows += [f"| {c.number} {c.title} | {c.asked} | {c.helpful} | {c.unhelpful} |" for c in lines]
    return rows


def _queue_list(queue: tuple[QuestionGroup, ...]) -> list[str]:
    if not queue:
        return [HEADINGS["none"]]
    rows = []
    for group in queue:
        rows.append(f"- {group.count}× “{group.text}” ({group.declined} afgewezen / declined)")
        rows += [f"    - “{example}”" for example in group.examples]
    return rows


def _school_table(schools: tuple[SchoolLine, ...]) -> list[str]:
    if not schools:
        return [HEADINGS["none"]]
    rows = [
        "| school | twijfelchecks / doubt checks | besloten / decided | mediaan besluit / "
        "median decision | escalaties / escalations | bevestigd / acknowledged | "
        "mediaan bevestiging / median ack |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in schools:
        rows.append(
            f"| {s.school} | {s.doubt_checks} | {s.decided} | "
            f"{format_duration(s.median_decision_seconds)} | {s.escalations} | "
            f"{s.acknowledged} | {format_duration(s.median_ack_seconds)} |"
        )
    return rows
