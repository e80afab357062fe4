"""Authorisation, decided in the domain: adapters pass identities, they never decide.

- `view`: the requester, and the directors and deputies of the requester's school.
- `decide`, `acknowledge`, `resolve`: those directors and deputies, never the requester.
- `withdraw`: the requester only.
- `note`: the requester, and the school's directors and deputies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.models import Localized
from bot.org import Org, School
from bot.workflows import texts

Action = Literal["view", "decide", "withdraw", "acknowledge", "resolve", "note"]
LEADER_ACTIONS = frozenset({"decide", "acknowledge", "resolve"})


@dataclass(frozen=True)
class Refusal:
    """Why an actor may not do something: a code for the audit trail and a message."""

    code: str
    message: Localized


def authorise(
    org: Org, actor: str, *, school_id: str, requester: str, action: Action
) -> Refusal | None:
    """None when `actor` may do `action` on a request of `requester` at `school_id`."""
    school = _school(org, school_id)
    leader = school is not None and school.is_leader(actor)
    is_requester = actor == requester
    if action == "withdraw":
        return None if is_requester else _refusal("not_requester", texts.ONLY_REQUESTER)
    if action in LEADER_ACTIONS:
        if is_requester and leader:
            return _refusal("own_request", texts.NOT_OWN)
        return None if leader else _refusal("not_leader", texts.ONLY_LEADERS)
    return None if leader or is_requester else _refusal("not_visible", texts.NOT_VISIBLE)


def _school(org: Org, school_id: str) -> School | None:
    try:
        return org.school(school_id)
    except KeyError:
        return None


def _refusal(code: str, message: Localized) -> Refusal:
    return Refusal(code, message)
