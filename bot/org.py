"""Who is who: the foundation's schools, their directors and deputies, and their staff.

The organisation file (`POLICYBOT_ORG`, default the bundled `knowledge/org.example.yaml`) is
validated with pydantic; every problem names the file, the path inside it and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.knowledge import KnowledgeError, Problem, knowledge_dir, parse_model, read_yaml
from bot.models import Lang

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "Europe/Amsterdam"
ORG_FILE = "org.example.yaml"


@dataclass(frozen=True)
class Person:
    """Someone the assistant can talk to; `email` (lower case) is the identity everywhere."""

    email: str
    name: str
    lang: Lang = "nl"
    slack_id: str | None = None
    teams_id: str | None = None

    def platform_id(self, platform: str) -> str | None:
        """This person's user id on `platform`; the console uses the email."""
        if platform == "slack":
            return self.slack_id
        if platform == "teams":
            return self.teams_id
        return self.email


@dataclass(frozen=True)
class WorkingHours:
    """When a school works: weekdays, a daily window and closed dates, in the school's zone."""

    timezone: str = DEFAULT_TIMEZONE
    days: frozenset[int] = frozenset(range(5))
    start: time = time(8, 0)
    end: time = time(17, 0)
    closed: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        """The school's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class School:
    """One school: its name fills `{school}` in the protocol."""

    id: str
    name: str
    directors: tuple[str, ...]
    deputies: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    staff_domains: tuple[str, ...] = ()
    hours: WorkingHours = field(default_factory=WorkingHours)
    channels: dict[str, str] = field(default_factory=dict)

    @property
    def leaders(self) -> tuple[str, ...]:
        """Directors first, then deputies: everyone who may decide for this school."""
        return self.directors + tuple(d for d in self.deputies if d not in self.directors)

    def is_leader(self, email: str) -> bool:
        """True for this school's directors and deputies."""
        return email in self.leaders


@dataclass(frozen=True)
class Org:
    """The validated organisation file."""

    foundation: str
    people: dict[str, Person]
    schools: tuple[School, ...]
    demo_user: str | None = None
    source: str = ""

    def school(self, school_id: str) -> School:
        """The school with `school_id`; KeyError if unknown."""
        for school in self.schools:
            if school.id == school_id:
                return school
        raise KeyError(school_id)

    def person(self, email: str) -> Person | None:
        """The person with `email`: listed, or placed by a school's staff domain."""
        key = email.strip().lower()
        if key in self.people:
            return self.people[key]
        if self._school_by_domain(key) is not None:
            return Person(email=key, name=key.split("@", 1)[0])
        return None

    def person_or_guest(self, email: str) -> Person:
        """The person with `email`, or a bare Person for someone the file does not list."""
        key = email.strip().lower()
        return self.person(key) or Person(email=key, name=key.split("@", 1)[0] or key)

    def find_by_platform(self, platform: str, user_id: str) -> Person | None:
        """The listed person with `user_id` on `platform` (console: the email)."""
        for person in self.people.values():
            if person.platform_id(platform) == user_id:
                return person
        return None

    def school_for(self, email: str) -> School | None:
        """The school `email` belongs to: as leader, as listed staff, or by email domain."""
        key = email.strip().lower()
        for school in self.schools:
            if key in school.leaders or key in school.staff:
                return school
        return self._school_by_domain(key)

    def _school_by_domain(self, email: str) -> School | None:
        domain = email.rsplit("@", 1)[-1] if "@" in email else ""
        for school in self.schools:
            if domain and domain in school.staff_domains:
                return school
        return None


# --- the file format (pydantic), converted to the frozen dataclasses above -----------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonIn(_Strict):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)
    lang: Literal["nl", "en"] = "nl"
    slack_id: str | None = Field(default=None, min_length=1)
    teams_id: str | None = Field(default=None, min_length=1)


class WorkingHoursIn(_Strict):
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: time = time(8, 0)
    end: time = time(17, 0)
    closed: list[date] = Field(default_factory=list)


class ChannelsIn(_Strict):
    slack: str | None = None
    teams: str | None = None


class SchoolIn(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200)
    directors: list[str] = Field(min_length=1)
    deputies: list[str] = Field(default_factory=list)
    staff: list[str] = Field(default_factory=list)
    staff_domains: list[str] = Field(default_factory=list)
    timezone: str = DEFAULT_TIMEZONE
    working_hours: WorkingHoursIn = Field(default_factory=WorkingHoursIn)
    escalation_channel: ChannelsIn = Field(default_factory=ChannelsIn)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class OrgIn(_Strict):
    foundation: str = Field(min_length=1, max_length=200)
    demo_user: str | None = None
    people: list[PersonIn] = Field(min_length=1)
    schools: list[SchoolIn] = Field(min_length=1)


def default_org_file() -> Path:
    """The bundled example organisation file."""
    return knowledge_dir() / ORG_FILE


def load_org(path: Path | None = None) -> Org:
    """Load and validate the organisation file; KnowledgeError lists every problem."""
    file = path or default_org_file()
    raw = parse_model(OrgIn, read_yaml(file), str(file))
    problems = check_org(raw, str(file))
    if problems:
        raise KnowledgeError(problems)
    return _to_org(raw, str(file))


def check_org(org: OrgIn, file: str) -> list[Problem]:
    """Cross-reference checks: known people, unique ids, one school per staff member."""
    emails = [p.email.lower() for p in org.people]
    problems = [Problem(file, "people", f"duplicate email {e!r}") for e in _dupes(emails)]
    problems += [
        Problem(file, "schools", f"duplicate school id {i!r}")
        for i in _dupes([s.id for s in org.schools])
    ]
    known = set(emails)
    for index, school in enumerate(org.schools):
        problems += _check_school(school, f"schools.{index}", known, file)
    staff = [e.lower() for s in org.schools for e in s.staff]
    problems += [Problem(file, "schools", f"{e!r} is staff at two schools") for e in _dupes(staff)]
    domains = [d.lower() for s in org.schools for d in s.staff_domains]
    problems += [Problem(file, "schools", f"domain {d!r} used twice") for d in _dupes(domains)]
    if org.demo_user and org.demo_user.lower() not in known:
        problems.append(Problem(file, "demo_user", f"{org.demo_user!r} is not in people"))
    return problems


def _check_school(school: SchoolIn, where: str, known: set[str], file: str) -> list[Problem]:
    problems = []
    for role in ("directors", "deputies", "staff"):
        for i, email in enumerate(getattr(school, role)):
            if email.lower() not in known:
                message = f"{email!r} is not in people"
                problems.append(Problem(file, f"{where}.{role}.{i}", message))
    hours = school.working_hours
    if hours.start >= hours.end:
        problems.append(Problem(file, f"{where}.working_hours", "start must be before end"))
    return problems


def _dupes(items: list[str]) -> list[str]:
    seen: set[str] = set()
    dupes: list[str] = []
    for item in items:
        if item in seen and item not in dupes:
            dupes.append(item)
        seen.add(item)
    return dupes


def _to_org(raw: OrgIn, source: str) -> Org:
    people = {
        p.email.lower(): Person(p.email.lower(), p.name, p.lang, p.slack_id, p.teams_id)
        for p in raw.people
    }
    schools = tuple(_to_school(s) for s in raw.schools)
    demo = raw.demo_user.lower() if raw.demo_user else None
    return Org(raw.foundation, people, schools, demo, source)


def _to_school(raw: SchoolIn) -> School:
    hours = WorkingHours(
        timezone=raw.timezone,
        days=frozenset(WEEKDAYS.index(d) for d in raw.working_hours.days),
        start=raw.working_hours.start,
        end=raw.working_hours.end,
        closed=frozenset(raw.working_hours.closed),
    )
    channels = {k: v for k, v in raw.escalation_channel.model_dump().items() if v}
    return School(
        id=raw.id,
        name=raw.name,
        directors=tuple(e.lower() for e in raw.directors),
        deputies=tuple(e.lower() for e in raw.deputies),
        staff=tuple(e.lower() for e in raw.staff),
        staff_domains=tuple(d.lower() for d in raw.staff_domains),
        hours=hours,
        channels=channels,
    )
