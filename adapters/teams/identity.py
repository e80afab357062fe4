"""Who a Teams user is: the organisation file's person whose `teams_id` is their AAD object id.

Teams gives every sender an AAD object id (`from.aadObjectId`); the org file lists it as
`teams_id`. There is no lookup by email here: a person the file does not list cannot use the
doubt check or the escalation, and is told so (questions work for everyone).
"""

from __future__ import annotations

from bot.models import Localized
from bot.org import Org

UNKNOWN_USER = Localized(
    "Ik kan je niet plaatsen: je Teams-account staat niet in het organisatiebestand. Vraag de "
    "beheerder om je teams_id (je Azure AD object-id: {aad}) bij je naam te zetten.",
    "I cannot place you: your Teams account is not in the organisation file. Ask the "
    "administrator to add your teams_id (your Azure AD object id: {aad}) to your entry.",
)


class TeamsIdentities:
    """Maps AAD object ids to the email addresses the workflows identify people by."""

    def __init__(self, org: Org) -> None:
        self.org = org

    def email_of(self, aad_object_id: str) -> str | None:
        """The person's email, or None when the org file lists no one with that teams_id."""
        if not aad_object_id:
            return None
        person = self.org.find_by_platform("teams", aad_object_id)
        return person.email if person is not None else None


def unknown_user_text(aad_object_id: str) -> str:
    """The refusal for someone the org file does not list: Dutch first, then English."""
    return (
        UNKNOWN_USER.nl.format(aad=aad_object_id or "?")
        + "\n\n"
        + UNKNOWN_USER.en.format(aad=aad_object_id or "?")
    )
