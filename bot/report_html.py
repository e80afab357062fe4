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
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.report import (
    HEADINGS,
    HELPFUL,
    UNHELPFUL,
    ClauseLine,
    Report,
    SchoolLine,
    format_duration,
    period_line,
    unit_for,
)

MAX_BARS = 25
HELPFUL_GREEN, UNHELPFUL_RED, BLUE, ORANGE = "#2e7d32", "#c62828", "#1565c0", "#ef6c00"
# A time axis spans at least this much of its unit, so a short median looks short.
AXIS_AT_LEAST = {"s": 60, "min": 60, "h": 24, "d": 7}
NICE_STEPS = [1, 2, 2.5, 3, 5, 6, 10]
NO_FEEDBACK = (
    "Nog geen feedback (nuttig / niet nuttig) in deze periode. / "
    "No feedback (helpful / not helpful) yet in this period."
)
NO_TIMES = (
    "Nog geen besluiten of bevestigingen in deze periode. / "
    "No decisions or acknowledgements yet in this period."
)

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem}
td.n{text-align:right}img{max-width:100%}li small{color:#666}
"""


def render_html(report: Report) -> str:
    """The whole page."""
    body = [f"<h1>{escape(HEADINGS['title'])}</h1>", _period(report), *_summary(report)]
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


def _summary(report: Report) -> list[str]:
    heading = f"<h2>{escape(HEADINGS['questions'])}</h2>"
    if report.questions == 0:
        return [heading, _text(HEADINGS["none"])]
    figure = Figure(figsize=(6, 1.6))
    axes = figure.subplots()
    labels = ["beantwoord / answered", "bedoelde je? / did you mean", "afgewezen / declined"]
    values = [report.answered, report.unsure, report.declined]
    axes.barh(labels, values, color=[BLUE, ORANGE, UNHELPFUL_RED])
    axes.invert_yaxis()
    axes.set_xlabel(f"{report.questions} vragen / questions")
    _whole_numbers(axes)
    return [heading, _image(figure, "questions by outcome")]


def _clauses_section(report: Report) -> list[str]:
    parts = [f"<h2>{escape(HEADINGS['clauses'])}</h2>"]
    if not report.clauses:
        return [*parts, _text(HEADINGS["none"])]
    parts.append(_image(clause_chart(report), "questions and feedback per clause"))
    if not any(_has_votes(line) for line in report.clauses):
        parts.append(_text(NO_FEEDBACK))
    rows = "".join(
        f"<tr><td>{escape(c.number)} {escape(c.title)}</td><td class=n>{c.asked}</td>"
        f"<td class=n>{c.helpful}</td><td class=n>{c.unhelpful}</td></tr>"
        for c in report.clauses
    )
    head = (
        f"<tr><th>artikel / clause</th><th>vragen / asked</th><th>{escape(HELPFUL)}</th>"
        f"<th>{escape(UNHELPFUL)}</th></tr>"
    )
    return [*parts, f"<table>{head}{rows}</table>"]


def clause_chart(report: Report) -> Figure:
    """Questions per clause; beside it the feedback, only when there is any."""
    lines = report.clauses[:MAX_BARS]
    with_votes = any(_has_votes(line) for line in lines)
    columns = 2 if with_votes else 1
    figure = Figure(figsize=(5 * columns, 0.35 * len(lines) + 1.2))
    panels = figure.subplots(1, columns, sharey=True, squeeze=False)[0]
    labels = [line.number for line in lines]
    panels[0].barh(labels, [line.asked for line in lines], color=BLUE)
    panels[0].set_title("vragen / questions")
    _whole_numbers(panels[0])
    panels[0].invert_yaxis()
    if with_votes:
        _votes_panel(panels[1], labels, lines)
    return figure


def _has_votes(line: ClauseLine) -> bool:
    return line.helpful + line.unhelpful > 0


def _votes_panel(axes: Axes, labels: list[str], lines: tuple[ClauseLine, ...]) -> None:
    axes.barh(labels, [line.helpful for line in lines], color=HELPFUL_GREEN, label=HELPFUL)
    axes.barh(labels, [-line.unhelpful for line in lines], color=UNHELPFUL_RED, label=UNHELPFUL)
    axes.set_title("feedback")
    axes.set_xlabel(f"← {UNHELPFUL}  ·  {HELPFUL} →", fontsize=9)
    axes.axvline(0, color="#888", linewidth=0.8)
    _whole_numbers(axes)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{abs(x):g}"))


def _queue_section(report: Report) -> list[str]:
    parts = [f"<h2>{escape(HEADINGS['queue'])}</h2>"]
    if not report.queue:
        return [*parts, _text(HEADINGS["none"])]
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
        return [*parts, _text(HEADINGS["none"])]
    chart = school_chart(report)
    parts.append(_text(NO_TIMES) if chart is None else _image(chart, "median times per school"))
    head = (
        "<tr><th>school</th><th>twijfelchecks / doubt checks</th><th>besloten / decided</th>"
        "<th>mediaan besluit / median decision</th><th>escalaties / escalations</th>"
        "<th>bevestigd / acknowledged</th><th>mediaan bevestiging / median ack</th></tr>"
    )
    rows = "".join(_school_row(s) for s in report.schools)
    return [*parts, f"<table>{head}{rows}</table>"]


def _school_row(s: SchoolLine) -> str:
    return (
        f"<tr><td>{escape(s.school)}</td><td class=n>{s.doubt_checks}</td>"
        f"<td class=n>{s.decided}</td><td class=n>{format_duration(s.median_decision_seconds)}</td>"
        f"<td class=n>{s.escalations}</td><td class=n>{s.acknowledged}</td>"
        f"<td class=n>{format_duration(s.median_ack_seconds)}</td></tr>"
    )


def school_chart(report: Report) -> Figure | None:
    """The median times per school, each panel in the unit its data needs; None without any."""
    schools = report.schools
    measures = [
        (
            "mediaan tot besluit / median to decision",
            BLUE,
            [s.median_decision_seconds for s in schools],
        ),
        (
            "mediaan tot bevestiging / median to ack",
            ORANGE,
            [s.median_ack_seconds for s in schools],
        ),
    ]
    shown = [m for m in measures if any(v is not None for v in m[2])]
    if not shown:
        return None
    figure = Figure(figsize=(5 * len(shown), 0.4 * len(schools) + 1.6))
    panels = figure.subplots(1, len(shown), sharey=True, squeeze=False)[0]
    names = [s.school for s in schools]
    for axes, (title, color, values) in zip(panels, shown, strict=True):
        _time_panel(axes, names, values, color)
        axes.set_title(title, fontsize=9)
    panels[0].invert_yaxis()
    return figure


def _time_panel(axes: Axes, names: list[str], seconds: list[float | None], color: str) -> None:
    """Bars in the unit of the longest time, each labelled with its own duration."""
    unit = unit_for(max(v for v in seconds if v is not None))
    values = [(v or 0) / unit.seconds for v in seconds]
    bars = axes.barh(names, values, color=color)
    axes.bar_label(bars, labels=[format_duration(v) for v in seconds], padding=3, fontsize=8)
    locator = MaxNLocator(nbins=6, steps=NICE_STEPS)
    room = max(max(values) * 1.3, AXIS_AT_LEAST[unit.symbol])  # for the labels beside the bars
    axes.set_xlim(0, locator.tick_values(0, room)[-1])  # end on a tick
    axes.set_xlabel(f"{unit.nl} / {unit.en}")
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))


def _whole_numbers(axes: Axes) -> None:
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))


def _text(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _image(figure: Figure, alt: str) -> str:
    """The figure as an embedded PNG."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></p>'
