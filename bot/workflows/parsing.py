"""Parsing what people type in the step-by-step flows: times, urgency, links, yes/no.

Publish times are read by `dateparser` (Dutch and English, relative to the injected clock, in
the school's zone). It misses a few everyday Dutch forms ("9 uur", "half tien", "vanmiddag",
"volgende week dinsdag"), so `_normalised` first rewrites those, word by word, into forms it
does read; what it then cannot read, or reads as a whole week or month, is asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

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
YES = frozenset({"ja", "j", "yes", "y", "ok", "oké", "oke", "goed", "verstuur", "send", "1"})
NO = frozenset({"nee", "n", "no", "stop", "annuleer", "cancel", "0"})

URGENT_WORDS = frozenset(
    {"nu", "now", "direct", "meteen", "dringend", "urgent", "spoed", "asap", "immediately"}
)
TODAY_WORDS = frozenset({"vandaag", "today", "later"})
NEGATIONS = frozenset({"niet", "not", "geen", "no", "non", "minder", "less"})
NOT_URGENT_PHRASES = frozenset(
    {"kan wachten", "can wait", "geen haast", "no rush", "no hurry", "heeft geen haast"}
)
INTENSIFIERS = frozenset(
    {"heel", "erg", "zeer", "echt", "super", "best", "vrij", "very", "really", "quite", "extremely"}
)

DEFAULT_TIME = time(9, 0)  # a day without a time: the start of the working day
VAGUE_PERIODS = frozenset({"week", "month", "year"})
FURTHEST = timedelta(days=366)
NUMBER_WORDS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
WEEKDAYS = frozenset(
    {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"}
    | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
DAY_PARTS = {"ochtend": "9:00", "morgen": "9:00", "middag": "14:00", "avond": "19:00"}
AFTERNOON_PARTS = frozenset({"middag", "avond"})
SPOKEN_PARTS = {"ochtends": "ochtend", "morgens": "ochtend", "middags": "middag", "avonds": "avond"}
DAY_PREFIXES = {"van": "vandaag", "morgen": "morgen", "overmorgen": "overmorgen"}
NEXT_WEEK_WORDS = frozenset({"volgende", "komende", "aanstaande", "next"})
DURATION_WORDS = frozenset({"over", "in", "binnen"})
CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")

BAD_TIME = Localized(
    "Die tijd begrijp ik niet. Typ bijvoorbeeld 'morgen om 9 uur', 'volgende week dinsdag', "
    "'vanmiddag', '14-03 15:30', 'nu' of 'weet ik niet'.",
    "I do not understand that time. Type e.g. 'tomorrow at 9', 'next Tuesday', 'this "
    "afternoon', '14-03 15:30', 'now' or 'unknown'.",
)
BAD_URGENCY = Localized(
    "Typ 'nu' (dringend) of 'vandaag' (niet dringend).",
    "Type 'now' (urgent) or 'today' (not urgent).",
)
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
    """'now' (urgent: 'nu', 'heel dringend', 'urgent') or 'today' ('vandaag', 'not urgent')."""
    words = [w for w in _words(text) if w not in INTENSIFIERS]
    if not words:
        raise InputError(BAD_URGENCY)
    if " ".join(words) in NOT_URGENT_PHRASES or TODAY_WORDS.intersection(words):
        return "today"
    if URGENT_WORDS.intersection(words):
        return "today" if NEGATIONS.intersection(words) else "now"
    raise InputError(BAD_URGENCY)


def yes_no(text: str) -> bool:
    """True for yes, False for no."""
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise InputError(BAD_YES_NO)


def when(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """A publish time typed in the school's zone; None when unknown, `now` for 'nu'.

    "morgen om 9 uur", "volgende week dinsdag", "vanmiddag", "tomorrow at 9", "next Tuesday",
    "14-03 15:30": a day without a time means 09:00; a bare time already past means tomorrow.
    A time dateparser cannot read, a whole week or month, or one over a year away is refused.
    """
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in NONE_WORDS:
        return None
    if cleaned in NOW_WORDS:
        return now
    local_now = now.astimezone(zone).replace(tzinfo=None)
    moment = _read(_normalised(cleaned, local_now), zone)
    if moment is None or not now - FURTHEST < moment < now + FURTHEST:
        raise InputError(BAD_TIME)
    return moment


@dataclass(frozen=True)
class _Typed:
    """A time as dateparser should read it: the text, from when, and whether it names a time."""

    text: str
    base: datetime
    has_time: bool


def _read(typed: _Typed, zone: ZoneInfo) -> datetime | None:
    """dateparser's reading of `typed`, in `zone`; None when it has none (or only a number)."""
    if typed.text.isdigit():
        return None  # "2" is a choice typed in the wrong place, not the 2nd of the month
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": typed.base,
        "TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
        "RETURN_TIME_AS_PERIOD": True,
    }
    found = DateDataParser(languages=["nl", "en"], settings=settings).get_date_data(typed.text)
    if found.date_obj is None or found.period in VAGUE_PERIODS:
        return None
    moment: datetime = found.date_obj
    if not typed.has_time and found.period == "day":
        moment = datetime.combine(moment.date(), DEFAULT_TIME)
    return moment.replace(tzinfo=zone)


def _normalised(cleaned: str, local_now: datetime) -> _Typed:
    """The Dutch forms dateparser misses, rewritten; "volgende week X" reads X from next week."""
    words = [_clock_word(w) for w in _words(cleaned)]
    base = local_now
    if _without_next_week(words) and words:
        monday = local_now.date() + timedelta(days=7 - local_now.weekday())
        base = datetime.combine(monday, time(0, 0)) - timedelta(seconds=1)
    elif not words:
        return _Typed(cleaned, base, False)  # "volgende week" alone: a week, asked again
    words = _with_day_parts(_spoken_times(_marked_day_parts(words)))
    return _Typed(" ".join(words), base, any(_is_clock(w) for w in words))


def _words(text: str) -> list[str]:
    """Lower-case words; the marks inside dates, times and "'s middags" are kept."""
    spaced = "".join(c if c.isalnum() or c in ":.-/'’" else " " for c in text.lower())
    return [w.strip(".") or w for w in spaced.replace("’", "'").split()]


def _clock_word(word: str) -> str:
    """ "9.30" -> "9:30"; a clock time that cannot be ("25:00") is an error."""
    match = CLOCK.match(word)
    if match is None:
        return word
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InputError(BAD_TIME)
    return f"{hour}:{minute:02d}"


def _is_clock(word: str) -> bool:
    return CLOCK.match(word) is not None or word.removesuffix("am").removesuffix("pm") != word


def _without_next_week(words: list[str]) -> bool:
    """Remove "volgende week" / "next week" (and "next week's"); True if it was there."""
    for i in range(len(words) - 1):
        if words[i] in NEXT_WEEK_WORDS and words[i + 1] in ("week", "week's"):
            del words[i : i + 2]
            return True
    return False


def _marked_day_parts(words: list[str]) -> list[str]:
    """ "vanmiddag" -> "vandaag @middag", "dinsdagavond" -> "dinsdag @avond", "'s ochtends" ->
    "@ochtend"; "volgende dinsdag" -> "dinsdag" (dateparser's "next Tuesday")."""
    out: list[str] = []
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        if (word in NEXT_WEEK_WORDS and after in WEEKDAYS) or word in ("'s", "s"):
            continue
        if word in SPOKEN_PARTS:
            out.append(f"@{SPOKEN_PARTS[word]}")
        elif word in DAY_PARTS and out and _is_day(out[-1]):
            out.append(f"@{word}")
        else:
            out.extend(_split_day_part(word))
    return out


def _is_day(word: str) -> bool:
    return word in DAY_PREFIXES.values() or word in WEEKDAYS


def _split_day_part(word: str) -> list[str]:
    for part in DAY_PARTS:
        prefix = word.removesuffix(part)
        if prefix != word and (prefix in DAY_PREFIXES or prefix in WEEKDAYS):
            return [DAY_PREFIXES.get(prefix, prefix), f"@{part}"]
    return [word]


def _spoken_times(words: list[str]) -> list[str]:
    """ "9 uur" -> "9:00", "half tien" -> "9:30", "om 9" / "at 9" -> "om 9:00"; "over twee uur"
    (a duration) stays one, with the number in digits."""
    out: list[str] = []
    for i, word in enumerate(words):
        number = _number(word)
        before = out[-1] if out else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word == "uur" and _number(before) is not None:
            duration = len(out) > 1 and out[-2] in DURATION_WORDS
            out[-1:] = [str(_number(before)), "uur"] if duration else [f"{_number(before)}:00"]
        elif before == "half" and number is not None:
            out[-1] = f"{(number - 1) % 24}:30"
        elif before in ("om", "at") and number is not None and after != "uur":
            out.append(f"{number}:00")
        else:
            out.append(word)
    return out


def _with_day_parts(words: list[str]) -> list[str]:
    """A day part gives the time ("vanmiddag": 14:00), or makes a spoken one afternoon or
    evening ("morgenmiddag om 3 uur", "3 uur 's middags": 15:00)."""
    parts = [w[1:] for w in words if w.startswith("@")]
    kept = [w for w in words if not w.startswith("@")]
    if not parts:
        return kept
    if not any(CLOCK.match(w) for w in kept):
        return [*kept, DAY_PARTS[parts[0]]]
    later = parts[0] in AFTERNOON_PARTS
    return [_afternoon(w) if later else w for w in kept]


def _afternoon(word: str) -> str:
    match = CLOCK.match(word)
    if match is None or int(match.group(1)) >= 12:
        return word
    return f"{int(match.group(1)) + 12}:{match.group(2)}"


def _number(word: str) -> int | None:
    if word.isascii() and word.isdigit() and len(word) <= 2:
        return int(word)
    return NUMBER_WORDS.get(word)
