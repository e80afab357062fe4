"""Parsing what people type in the step-by-step flows: times, urgency, links, yes/no."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.models import Localized

NONE_WORDS = frozenset(
    {
        "",
        "-",
        "geen",
        "nee",
        "niks",
        "none",
        "no",
        "n/a",
        "?",
        "onbekend",
        "unknown",
        "weet ik niet",
        "weet niet",
        "don't know",
        "dont know",
        "nvt",
        "n.v.t.",
    }
)
NOW_WORDS = frozenset({"nu", "now", "direct", "meteen", "zo snel mogelijk", "asap", "straks"})
DAY_WORDS = {"vandaag": 0, "today": 0, "morgen": 1, "tomorrow": 1, "overmorgen": 2}
YES = frozenset({"ja", "j", "yes", "y", "ok", "oké", "oke", "goed", "verstuur", "send", "1"})
NO = frozenset({"nee", "n", "no", "stop", "annuleer", "cancel", "0"})
URGENCY = {
    "nu": "now",
    "now": "now",
    "direct": "now",
    "meteen": "now",
    "vandaag": "today",
    "today": "today",
    "later": "today",
}
_TIME = re.compile(r"^(?P<h>\d{1,2})[:.](?P<m>\d{2})$")
_DATE = re.compile(r"^(?P<a>\d{1,4})[-/](?P<b>\d{1,2})(?:[-/](?P<c>\d{2,4}))?$")

BAD_TIME = Localized(
    "Die tijd begrijp ik niet. Typ bijvoorbeeld 'morgen 09:00', '14-03 15:30', 'nu' of "
    "'weet ik niet'.",
    "I do not understand that time. Type e.g. 'tomorrow 09:00', '14-03 15:30', 'now' or 'unknown'.",
)
BAD_URGENCY = Localized("Typ 'nu' of 'vandaag'.", "Type 'now' or 'today'.")
BAD_YES_NO = Localized("Typ 'ja' of 'nee'.", "Type 'yes' or 'no'.")


class InputError(ValueError):
    """Input that cannot be used; `message` says what to type instead."""

    def __init__(self, message: Localized) -> None:
        super().__init__(message.en)
        self.message = message


MAX_REQUEST_DIGITS = 9  # request ids are 32-bit integers in the database


def request_number(text: object) -> int | None:
    """A request number as typed or carried by a button ("12"); None for anything else.

    Only ASCII digits, and few enough to fit the database's integer: `str.isdigit` also accepts
    "²" (which int() refuses), and a 30-digit number overflows the column.
    """
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text) if len(text) <= MAX_REQUEST_DIGITS else None
    return None


def optional(text: str) -> str | None:
    """`text`, or None for 'geen', 'none', '-' and the like."""
    cleaned = text.strip()
    return None if cleaned.lower() in NONE_WORDS else cleaned


def links(text: str) -> tuple[str, ...]:
    """The links in `text` (separated by spaces or commas); none for 'geen'."""
    if optional(text) is None:
        return ()
    return tuple(part for part in re.split(r"[\s,]+", text.strip()) if part)


def urgency(text: str) -> str:
    """'now' or 'today'."""
    found = URGENCY.get(text.strip().lower())
    if found is None:
        raise InputError(BAD_URGENCY)
    return found


def yes_no(text: str) -> bool:
    """True for yes, False for no."""
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise InputError(BAD_YES_NO)


def when(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """A publish time typed in the school's zone; None when unknown, `now` for 'nu'."""
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in NONE_WORDS:
        return None
    if cleaned in NOW_WORDS:
        return now
    local_now = now.astimezone(zone)
    words = cleaned.split(" ")
    try:
        day, clock = _day_and_time(words, local_now)
    except ValueError as exc:
        raise InputError(BAD_TIME) from exc
    moment = datetime.combine(day, clock, tzinfo=zone)
    if len(words) == 1 and _TIME.match(words[0]) and moment < local_now:
        moment += timedelta(days=1)
    return moment


def _day_and_time(words: list[str], local_now: datetime) -> tuple[date, time]:
    if len(words) == 1 and _TIME.match(words[0]):
        return local_now.date(), _clock(words[0])
    if len(words) not in (1, 2):
        raise ValueError("too many words")
    day = _day(words[0], local_now)
    return day, _clock(words[1]) if len(words) == 2 else time(9, 0)


def _day(word: str, local_now: datetime) -> date:
    if word in DAY_WORDS:
        return local_now.date() + timedelta(days=DAY_WORDS[word])
    match = _DATE.match(word)
    if match is None:
        raise ValueError("no date")
    a, b, c = match.group("a"), match.group("b"), match.group("c")
    if len(a) == 4:
        return date(int(a), int(b), int(c or 1))
    year = int(c) if c else local_now.year
    return date(year + 2000 if year < 100 else year, int(b), int(a))


def _clock(word: str) -> time:
    match = _TIME.match(word)
    if match is None:
        raise ValueError("no time")
    return time(int(match.group("h")), int(match.group("m")))
