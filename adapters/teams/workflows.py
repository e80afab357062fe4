"""The B.3 doubt check and the B.2 escalation in Teams: forms, submissions, decisions.

Pure over the submit's `value` (plain JSON): no botbuilder types. Submissions and button
presses call the same workflow services as the terminal chat and Slack (`bot.workflows`); the
notifications they cause go through the outbox and the dispatcher (`TeamsChat`). Authorisation
is the domain's: a refusal is answered to the person who pressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.teams import forms
from adapters.teams.identity import TeamsIdentities, unknown_user_text
from bot.models import Lang, Localized
from bot.workflows import parsing
from bot.workflows.base import Actor, Context, Outcome, school_of
from bot.workflows.doubt_check import DoubtDraft, decide, submit, withdraw
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note

PLATFORM = "teams"
DOUBT_COMMANDS = ("/twijfel", "/doubt")
ESCALATE_COMMANDS = ("/escaleer", "/escalate")
WITHDRAW_COMMANDS = ("/intrekken", "/withdraw")
NOTE_COMMANDS = ("/notitie", "/note")
NOTE_USAGE = Localized(
    "Gebruik: /notitie <nummer> <tekst>, bijv. /notitie 12 Ouders gebeld.",
    "Usage: /note <number> <text>, e.g. /note 12 Called the parents.",
)
WITHDRAW_USAGE = Localized(
    "Gebruik: /intrekken <nummer>, bijv. /intrekken 12.",
    "Usage: /withdraw <number>, e.g. /withdraw 12.",
)

Json = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """What the bot sends back: a text (already bilingual where needed) or a card."""

    text: str = ""
    card: Json | None = None


@dataclass(frozen=True)
class TeamsWorkflows:
    """The workflow context and who is who, for the Teams bot."""

    ctx: Context
    identities: TeamsIdentities

    def on_text(self, text: str, aad_object_id: str) -> Answer | None:
        """A typed workflow command: a form, a withdrawal or a note; None for anything else."""
        command, _, rest = text.strip().partition(" ")
        if command.lower() in WITHDRAW_COMMANDS + NOTE_COMMANDS:
            return self.by_number(command.lower(), rest, aad_object_id)
        return self.form_for_text(text, aad_object_id)

    def by_number(self, command: str, rest: str, aad_object_id: str) -> Answer:
        """/intrekken N or /notitie N tekst, as the sender; the outcome in both languages."""
        lang: Lang = "en" if command in ("/withdraw", "/note") else "nl"
        typed, _, note = rest.strip().lstrip("#").partition(" ")
        number = parsing.request_number(typed)
        is_note = command in NOTE_COMMANDS
        if number is None or (is_note and not note.strip()):
            return Answer(text=(NOTE_USAGE if is_note else WITHDRAW_USAGE).get(lang))
        email = self.identities.email_of(aad_object_id)
        if email is None:
            return Answer(text=unknown_user_text(aad_object_id))
        actor = Actor(email, PLATFORM)
        if is_note:
            outcome = add_note(self.ctx, actor, number, note.strip())
        else:
            outcome = withdraw(self.ctx, actor, number)
        return answer_of(outcome, lang)

    def form_for_text(self, text: str, aad_object_id: str) -> Answer | None:
        """A form card for a typed /twijfel or /escaleer (with the rest as its first field)."""
        command, _, rest = text.strip().partition(" ")
        lang: Lang = "en" if command.lower() in ("/doubt", "/escalate") else "nl"
        if command.lower() in DOUBT_COMMANDS:
            card = forms.doubt_form(lang, draft=rest.strip())
        elif command.lower() in ESCALATE_COMMANDS:
            card = forms.escalation_form(lang, what=rest.strip())
        else:
            return None
        return self.if_known(aad_object_id, Answer(card=card))

    def form_for_button(self, action: str, lang: Lang, aad_object_id: str) -> Answer:
        """The form behind an answer card's "Vraag mijn directeur" or "Escaleren" button."""
        card = forms.doubt_form(lang) if action == "doubt_check" else forms.escalation_form(lang)
        return self.if_known(aad_object_id, Answer(card=card))

    def if_known(self, aad_object_id: str, answer: Answer) -> Answer:
        """`answer` for a person the org file lists; otherwise why the bot cannot place them."""
        if self.identities.email_of(aad_object_id) is None:
            return Answer(text=unknown_user_text(aad_object_id))
        return answer

    def on_submit(self, value: Json, aad_object_id: str, *, dedup_key: str | None) -> Answer:
        """Run a form submission or a decision button as the person who pressed it."""
        lang: Lang = "en" if value.get("lang") == "en" else "nl"
        email = self.identities.email_of(aad_object_id)
        if email is None:
            return Answer(text=unknown_user_text(aad_object_id))
        actor, action = Actor(email, PLATFORM), str(value.get("action"))
        if action == forms.DOUBT_SUBMIT:
            return answer_of(self.run_doubt(actor, value, dedup_key), lang)
        if action == forms.ESCALATE_SUBMIT:
            return answer_of(self.run_escalation(actor, value, dedup_key), lang)
        return answer_of(self.run_decision(actor, action, value), lang)

    def run_doubt(self, actor: Actor, value: Json, key: str | None) -> Outcome | Localized:
        """Submit a doubt check; a time the domain cannot read comes back as its message."""
        with self.ctx.store.transaction() as session:
            school = school_of(session, self.ctx, actor.email)
        zone = school.hours.zone if school else self.ctx.org.schools[0].hours.zone
        try:
            when = parsing.when(_field(value, "when") or "weet ik niet", self.ctx.clock.now(), zone)
        except parsing.InputError as exc:
            return exc.message
        draft = DoubtDraft(
            text=_field(value, "draft"),
            link=_field(value, "link") or None,
            medium=_field(value, "platform") or None,
            publish_at=when,
        )
        return submit(self.ctx, actor, draft, dedup_key=key)

    def run_escalation(self, actor: Actor, value: Json, key: str | None) -> Outcome:
        """Open an escalation from the form."""
        report = EscalationInput(
            links=parsing.links(_field(value, "links") or "geen"),
            medium=_field(value, "platform") or None,
            description=_field(value, "what"),
            urgency="today" if _field(value, "urgency") == "vandaag" else "now",
        )
        return open_escalation(self.ctx, actor, report, dedup_key=key)

    def run_decision(self, actor: Actor, action: str, value: Json) -> Outcome | Localized:
        """A director's button: the domain decides who may, and whether a comment is needed."""
        number = parsing.request_number(_field(value, "request"))
        if number is None or action not in forms.DECISIONS:
            return UNKNOWN_REQUEST
        comment = _field(value, forms.COMMENT_ID)
        if action == "acknowledge":
            return acknowledge(self.ctx, actor, number)
        if action == "resolve":
            return resolve(self.ctx, actor, number, comment)
        return decide(self.ctx, actor, number, action, comment)  # type: ignore[arg-type]


UNKNOWN_REQUEST = Localized(
    "Die knop hoort bij geen verzoek dat ik ken.", "That button belongs to no request I know."
)


COMMENT_HINT = Localized(
    "Vul het opmerkingveld op de kaart in en druk nog eens op de knop.",
    "Fill in the comment field on the card and press the button again.",
)


def answer_of(outcome: Outcome | Localized, lang: Lang) -> Answer:
    """The outcome (or a field error) as a text in the sender's language.

    A missing reason or note is the domain's refusal, plus where the card takes it.
    """
    message = outcome if isinstance(outcome, Localized) else outcome.message
    text = message.get(lang)
    if isinstance(outcome, Outcome) and outcome.code in ("reason", "note"):
        text += "\n" + COMMENT_HINT.get(lang)
    return Answer(text=text)


def _field(value: Json, name: str) -> str:
    found = value.get(name)
    return found.strip()[:5000] if isinstance(found, str) else ""
