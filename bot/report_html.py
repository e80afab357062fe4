"""The report as one self-contained HTML page, with matplotlib charts embedded as PNG images.

For a director who would rather look than read. The page loads nothing from elsewhere (the
charts are data: URLs), so it can be mailed or opened offline. Every text from the database
is HTML-escaped.
"""

from __future__ import annotations

import base64
import io
from html import escape

from matplotlib.axes import Axes
from matplotlib.figure import Figure  # the object API: no pyplot state, no screen needed
from matplotlib.ticker import MaxNLocator

from bot.report import HEADINGS, Report, period_line

MAX_BARS = 25
HELPFUL, UNHELPFUL, BLUE, ORANGE = "#2e7d32", "#c62828", "#1565c0", "#ef6c00"

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem}
td.n{text-align:right}img{max-width:100%}li small{color:#666}
"""


def render_html(report: Report) -> str:
    """The whole page."""
    body = [f"<h1>{escape(HEADINGS['title'])}</h1>", _period(report), _summary(report)]
    body += _clauses_section(report)
    body += _queue_section(report)
    body += _schools_section(report)
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>{escape(HEADINGS['title'])}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _period(report: Report) -> str:
    return f"<p>{escape(period_line(report))}</p>"


def _summary(report: Report) -> str:
    figure = Figure(figsize=(6, 1.6))
    axes = figure.subplots()
    labels = ["beantwoord / answered", "bedoelde je? / did you mean", "afgewezen / declined"]
    values = [report.answered, report.unsure, report.declined]
    axes.barh(labels, values, color=[BLUE, ORANGE, UNHELPFUL])
    axes.invert_yaxis()
    axes.set_xlabel(f"{report.questions} vragen / questions")
    _whole_numbers(axes)
    return f"<h2>{escape(HEADINGS['questions'])}</h2>{_image(figure, 'questions by outcome')}"


def _clauses_section(report: Report) -> list[str]:
    parts = [f"<h2>{escape(HEADINGS['clauses'])}</h2>"]
    if not report.clauses:
        return [*parts, f"<p>{escape(HEADINGS['none'])}</p>"]
    parts.append(_image(_clause_chart(report), "questions and feedback per clause"))
    rows = "".join(
        f"<tr><td>{escape(c.number)} {escape(c.title)}</td><td class=n>{c.asked}</td>"
        f"<td class=n>{c.helpful}</td><td class=n>{c.unhelpful}</td></tr>"
        for c in report.clauses
    )
    head = "<tr><th>artikel / clause</th><th>vragen / asked</th><th>👍</th><th>👎</th></tr>"
    return [*parts, f"<table>{head}{rows}</table>"]


def _clause_chart(report: Report) -> Figure:
    lines = report.clauses[:MAX_BARS]
    figure = Figure(figsize=(10, 0.35 * len(lines) + 1.2))
    asked, votes = figure.subplots(1, 2, sharey=True)
    labels = [line.number for line in lines]
    asked.barh(labels, [line.asked for line in lines], color=BLUE)
    asked.set_title("vragen / questions")
    _whole_numbers(asked)
    _whole_numbers(votes)
    asked.invert_yaxis()
    votes.barh(labels, [line.helpful for line in lines], color=HELPFUL, label="nuttig / helpful")
    votes.barh(
        labels, [-line.unhelpful for line in lines], color=UNHELPFUL, label="niet / not helpful"
    )
    votes.set_title("nuttig / helpful  –  niet / not")
    votes.legend(fontsize=8)
    votes.axvline(0, color="#888", linewidth=0.8)
    return figure


def _queue_section(report: Report) -> list[str]:
    parts = [f"<h2>{escape(HEADINGS['queue'])}</h2>"]
    if not report.queue:
        return [*parts, f"<p>{escape(HEADINGS['none'])}</p>"]
    items = "".join(
        f"<li><b>{group.count}×</b> “{escape(group.text)}”"
        + "".join(f"<br><small>“{escape(example)}”</small>" for example in group.examples)
        + "</li>"
        for group in report.queue
    )
    return [*parts, f"<ol>{items}</ol>"]


def _schools_section(report: Report) -> list[str]:
    parts = [f"<h2>{escape(HEADINGS['schools'])}</h2>"]
    if not report.schools:
        return [*parts, f"<p>{escape(HEADINGS['none'])}</p>"]
    parts.append(_image(_school_chart(report), "median times per school"))
    head = (
        "<tr><th>school</th><th>twijfelchecks / doubt checks</th><th>besloten / decided</th>"
        "<th>mediaan besluit (uur) / median decision (h)</th><th>escalaties / escalations</th>"
        "<th>bevestigd / acknowledged</th><th>mediaan bevestiging (min) / median ack (min)</th>"
        "</tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(s.school)}</td><td class=n>{s.doubt_checks}</td>"
        f"<td class=n>{s.decided}</td><td class=n>{_number(s.median_decision_hours)}</td>"
        f"<td class=n>{s.escalations}</td><td class=n>{s.acknowledged}</td>"
        f"<td class=n>{_number(s.median_ack_minutes)}</td></tr>"
        for s in report.schools
    )
    return [*parts, f"<table>{head}{rows}</table>"]


def _school_chart(report: Report) -> Figure:
    schools = report.schools
    figure = Figure(figsize=(10, 0.4 * len(schools) + 1.2))
    decision, ack = figure.subplots(1, 2, sharey=True)
    names = [s.school for s in schools]
    decision.barh(names, [s.median_decision_hours or 0 for s in schools], color=BLUE)
    decision.set_title("mediaan tot besluit (uur) / median to decision (h)", fontsize=9)
    decision.invert_yaxis()
    ack.barh(names, [s.median_ack_minutes or 0 for s in schools], color=ORANGE)
    ack.set_title("mediaan tot bevestiging (min) / median to ack (min)", fontsize=9)
    return figure


def _whole_numbers(axes: Axes) -> None:
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _image(figure: Figure, alt: str) -> str:
    """The figure as an embedded PNG."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></p>'
