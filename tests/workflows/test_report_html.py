"""The HTML report: time units chosen from the data, readable axes, no empty feedback chart,
words instead of emoji, and the page as headless Chromium renders it."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from bot.report import (
    ClauseLine,
    QuestionGroup,
    Report,
    SchoolLine,
    format_duration,
    render_text,
    unit_for,
)
from bot.report_html import (
    BLUE,
    HELPFUL_GREEN,
    NO_FEEDBACK,
    NO_TIMES,
    ORANGE,
    clause_chart,
    render_html,
    school_chart,
)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
REQUIRE_CHROMIUM = "POLICYBOT_REQUIRE_CHROMIUM"
VOTED = (ClauseLine("A5", "A.5", "Foto's", 5, 2, 1), ClauseLine("B3", "B.3", "Twijfel", 2, 0, 0))
UNVOTED = (ClauseLine("A5", "A.5", "Foto's", 5, 0, 0),)


def _school(name: str, decision_hours: float | None, ack_minutes: float | None) -> SchoolLine:
    decided, acknowledged = int(decision_hours is not None), int(ack_minutes is not None)
    return SchoolLine(name, 2, decided, decision_hours, 1, acknowledged, ack_minutes)


SECONDS = (_school("Het Kofschip", 4 / 3600, 12 / 60), _school("De Regenboog", 0.0009, None))
LONG = (_school("Het Kofschip", 30.0, 95.0), _school("De Regenboog", 75.0, 12.0))


def _report(
    clauses: tuple[ClauseLine, ...] = VOTED, schools: tuple[SchoolLine, ...] = SECONDS
) -> Report:
    return Report(
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        retention_days=90,
        questions=12,
        answered=8,
        unsure=2,
        declined=2,
        clauses=clauses,
        queue=(QuestionGroup("Wat kost de schoolreis?", 2, ("wat kost schoolreis",), 2),),
        schools=schools,
    )


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (4, "4 s"),
        (3.24, "3.2 s"),
        (119, "119 s"),
        (120, "2 min"),
        (600, "10 min"),
        (2 * 3600, "2 h"),
        (30 * 3600, "30 h"),
        (3.1 * 86400, "3.1 d"),
        (None, "–"),
    ],
)
def test_durations_are_shown_in_the_unit_that_fits(seconds: float | None, shown: str) -> None:
    assert format_duration(seconds) == shown


def _drawn(figure: Figure | None) -> list[Axes]:
    assert figure is not None
    FigureCanvasAgg(figure)  # a renderer to measure the labels with
    figure.draw_without_rendering()
    return list(figure.axes)


def _assert_readable_ticks(axes: Axes) -> None:
    labels = [t for t in axes.xaxis.get_majorticklabels() if t.get_visible() and t.get_text()]
    assert len(labels) >= 3
    assert all(len(t.get_text()) <= 4 for t in labels), [t.get_text() for t in labels]
    boxes = sorted((t.get_window_extent() for t in labels), key=lambda box: box.x0)
    assert all(left.x1 < right.x0 for left, right in pairwise(boxes)), "tick labels overlap"


def test_seconds_long_medians_get_a_seconds_axis_with_room_to_spare() -> None:
    decision, ack = _drawn(school_chart(_report(schools=SECONDS)))
    for axes in (decision, ack):
        assert axes.get_xlabel() == "seconden / seconds"
        _assert_readable_ticks(axes)
        widest = max(bar.get_width() for bar in axes.patches)  # type: ignore[attr-defined]
        assert widest / axes.get_xlim()[1] < 0.5  # 12 seconds does not fill the width
    assert [t.get_text() for t in decision.texts] == ["4 s", "3.2 s"]  # each bar's own value
    assert [t.get_text() for t in ack.texts] == ["12 s", "–"]


def test_each_time_panel_chooses_its_own_unit() -> None:
    decision, ack = _drawn(school_chart(_report(schools=LONG)))
    assert (decision.get_xlabel(), ack.get_xlabel()) == ("dagen / days", "minuten / minutes")
    _assert_readable_ticks(decision)
    _assert_readable_ticks(ack)
    assert unit_for(95 * 60).symbol == "min" and unit_for(75 * 3600).symbol == "d"


def test_no_times_chart_without_decisions_or_acknowledgements() -> None:
    schools = (_school("Het Kofschip", None, None),)
    assert school_chart(_report(schools=schools)) is None
    page = render_html(_report(schools=schools))
    assert html.escape(NO_TIMES) in page
    [panel] = _drawn(school_chart(_report(schools=(_school("X", None, 5.0),))))
    assert panel.get_xlabel() == "minuten / minutes"  # only the panel with data


def test_the_feedback_chart_is_drawn_only_when_there_is_feedback() -> None:
    assert len(_drawn(clause_chart(_report(clauses=VOTED)))) == 2
    [asked] = _drawn(clause_chart(_report(clauses=UNVOTED)))
    assert asked.get_title() == "vragen / questions"
    assert html.escape(NO_FEEDBACK) in render_html(_report(clauses=UNVOTED))
    assert html.escape(NO_FEEDBACK) not in render_html(_report(clauses=VOTED))


def test_feedback_is_named_in_words_not_emoji() -> None:
    page, text = render_html(_report()), render_text(_report())
    for rendered in (page, text):
        assert "👍" not in rendered and "👎" not in rendered
        assert "nuttig / helpful" in rendered and "niet nuttig / not helpful" in rendered
    [_, votes] = _drawn(clause_chart(_report()))
    assert votes.get_xlabel() == "← niet nuttig / not helpful  ·  nuttig / helpful →"
    ticks = [t.get_text() for t in votes.xaxis.get_majorticklabels() if t.get_text()]
    assert "0" in ticks and not any(t.startswith(("-", "−")) for t in ticks)  # counts, not signs


def test_an_empty_report_draws_no_charts() -> None:
    empty = Report(
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 12, 7, tzinfo=UTC),
        retention_days=90,
        questions=0,
        answered=0,
        unsure=0,
        declined=0,
        clauses=(),
        queue=(),
        schools=(),
    )
    page = render_html(empty)
    assert "<img" not in page
    assert page.count("niets in deze periode / nothing in this period") == 4


# --- the page in headless Chromium -----------------------------------------------------------

PROBE = (
    '<script>addEventListener("load", () => { document.body.dataset.images = JSON.stringify('
    "[...document.images].map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight])); });"
    "</script></body>"
)


def _chromium() -> str:
    found = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if found is not None:
        return found
    reason = f"no chromium binary on PATH ({', '.join(CHROMIUM_NAMES)}): apt-get install chromium"
    if os.environ.get(REQUIRE_CHROMIUM) == "1":
        pytest.fail(f"{REQUIRE_CHROMIUM}=1 but {reason}")
    pytest.skip(f"{reason}; set {REQUIRE_CHROMIUM}=1 to require it")


def _headless(tmp_path: Path, page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",  # tests may run as root (CI containers)
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1100,1500",
        *flags,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


Image = tuple[str, bool, int, int]


def _images_as_rendered(tmp_path: Path, page: str) -> list[Image]:
    """[alt, complete, naturalWidth, naturalHeight] of each <img>, after the page has loaded."""
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    dom = _headless(tmp_path, probe, "--virtual-time-budget=5000", "--dump-dom").stdout
    found = re.search(r'data-images="([^"]*)"', dom)
    assert found, dom[-2000:]
    return [(str(a), bool(c), int(w), int(h)) for a, c, w, h in json.loads(html.unescape(found[1]))]


def _pixels_of(screenshot: np.ndarray, colour: str) -> int:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return int((np.abs(screenshot[:, :, :3] - rgb).max(axis=2) < 0.02).sum())


def test_chromium_renders_every_chart_as_a_real_image(tmp_path: Path) -> None:
    page = render_html(_report())
    images = _images_as_rendered(tmp_path, page)
    assert [alt for alt, *_ in images] == [
        "questions by outcome",
        "questions and feedback per clause",
        "median times per school",
    ]
    assert all(done and width > 100 and height > 100 for _, done, width, height in images)
    screenshot_file = tmp_path / "report.png"
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    _headless(tmp_path, tmp_path / "report.html", f"--screenshot={screenshot_file}")
    screenshot = imread(screenshot_file)
    assert screenshot.shape[:2] == (1500, 1100)
    for colour in (BLUE, ORANGE, HELPFUL_GREEN):  # the bars made it onto the screen
        assert _pixels_of(screenshot, colour) > 500, colour


def test_the_chromium_probe_sees_a_broken_image(tmp_path: Path) -> None:
    page = render_html(_report())
    first = re.search(r"base64,([^\"]+)", page)
    assert first
    broken = page.replace(first.group(1), base64.b64encode(b"not a png").decode(), 1)
    [(_, _, width, _), *_rest] = _images_as_rendered(tmp_path, broken)
    assert width == 0
