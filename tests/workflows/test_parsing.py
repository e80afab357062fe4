"""Publish times and urgency as staff type them, in Dutch and English (bot.workflows.parsing).

The clock is fixed: Monday 10 March 2025, 10:37 in Amsterdam (a time that is not 09:00, so a
parser that ignores a typed time is caught).
"""

from __future__ import annotations

import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.workflows.parsing import InputError, urgency, when
from tests.workflows.conftest import AMSTERDAM

NOW = datetime(2025, 3, 10, 10, 37, tzinfo=AMSTERDAM)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("morgen om 9 uur", at(11, 9)),
        ("Morgen om 9 uur", at(11, 9)),
        ("volgende week dinsdag", at(18, 9)),
        ("volgende week dinsdag om 10 uur", at(18, 10)),
        ("dinsdag volgende week", at(18, 9)),
        ("volgende dinsdag", at(11, 9)),
        ("vanmiddag", at(10, 14)),
        ("vanavond", at(10, 19)),
        ("morgenochtend", at(11, 9)),
        ("morgenmiddag om 3 uur", at(11, 15)),
        ("morgen om 3 uur 's middags", at(11, 15)),
        ("dinsdagavond", at(11, 19)),
        ("morgen half tien", at(11, 9, 30)),
        ("over twee uur", at(10, 12, 37)),
        ("vrijdag 13.30", at(14, 13, 30)),
        ("14 maart", at(14, 9)),
        ("tomorrow at 9", at(11, 9)),
        ("next Tuesday", at(11, 9)),
        ("next week Tuesday", at(18, 9)),
        ("this afternoon", at(10, 15)),
        ("tomorrow at 3pm", at(11, 15)),
        ("in 2 hours", at(10, 12, 37)),
        # the forms the flows always took
        ("morgen 09:30", at(11, 9, 30)),
        ("14-03 15:30", at(14, 15, 30)),
        ("2025-04-01 08.15", at(1, 8, 15, month=4)),
        ("08:00", at(11, 8)),  # already past today: tomorrow
        ("vandaag 15:00", at(10, 15)),
    ],
)
def test_natural_publish_times(typed: str, expected: datetime) -> None:
    assert when(typed, NOW, AMSTERDAM) == expected


def test_now_and_unknown() -> None:
    assert when("nu", NOW, AMSTERDAM) == NOW
    assert when("now", NOW, AMSTERDAM) == NOW
    assert when("weet ik niet", NOW, AMSTERDAM) is None
    assert when("unknown", NOW, AMSTERDAM) is None


def test_the_clock_is_read_in_the_school_zone() -> None:
    utc_now = NOW.astimezone(ZoneInfo("UTC"))  # the same moment, written in UTC
    moment = when("morgen om 9 uur", utc_now, AMSTERDAM)
    assert moment == at(11, 9)
    assert moment is not None and moment.utcoffset() == at(11, 9).utcoffset()


@pytest.mark.parametrize(
    "typed",
    [
        "volgende week",  # a whole week: which day?
        "maart",
        "volgende week ergens",
        "2",  # a choice typed in the wrong place
        "morgen 25:00",
        "32-13 10:00",
        "asdfghjkl",
        "misschien",
    ],
)
def test_times_that_cannot_be_used_are_asked_again(typed: str) -> None:
    with pytest.raises(InputError) as raised:
        when(typed, NOW, AMSTERDAM)
    assert "Die tijd begrijp ik niet" in raised.value.message.nl
    assert "tomorrow at 9" in raised.value.message.en


def test_times_are_read_without_a_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("dateparser tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert when("volgende week dinsdag", NOW, AMSTERDAM) == at(18, 9)
    assert when("next Tuesday", NOW, AMSTERDAM) == at(11, 9)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("nu", "now"),
        ("heel dringend", "now"),
        ("erg dringend", "now"),
        ("Zeer dringend!", "now"),
        ("urgent", "now"),
        ("very urgent", "now"),
        ("now", "now"),
        ("vandaag", "today"),
        ("today", "today"),
        ("niet dringend", "today"),
        ("niet zo dringend", "today"),
        ("not urgent", "today"),
        ("kan wachten", "today"),
    ],
)
def test_urgency_in_dutch_and_english(typed: str, expected: str) -> None:
    assert urgency(typed) == expected


@pytest.mark.parametrize("typed", ["", "misschien", "heel"])
def test_unknown_urgency_is_asked_again(typed: str) -> None:
    with pytest.raises(InputError) as raised:
        urgency(typed)
    assert "'nu'" in raised.value.message.nl and "'now'" in raised.value.message.en
