"""The B.3 doubt check and the B.2 escalation in Teams: forms, submissions, decisions.

Pure over the submit's `value` (plain JSON): no botbuilder types. Submissions and button
presses call the same workflow services as the terminal chat and Slack (`bot.workflows`); the
notifications they cause go through the outbox and the dispatcher (`TeamsChat`). Authorisation
is the domain's: a refusal is answered to the person who pressed.

`on_execute` answers the `Action.Execute`s of the escalation's card in a school's channel
(Universal Actions): "refresh" gives a decider their view with the buttons (everyone else the
card they already see), and a decision runs exactly like the button in the personal card
(`on_submit`), answered with the card after it and the outcome on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from adapters.teams import forms
from adapters.teams.chat_port import ThreadViews
from adapters.teams.identity import TeamsIdentities, unknown_user_text
from adapters.teams.ports import DbConversationReferences
from bot.models import Lang, Localized
from bot.store.models import RequestRow
from bot.store.teams import TeamsMessageRow
from bot.workflows import parsing
from bot.workflows.auth import authorise
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
class Executed:
    """The answer to an `Action.Execute`: the card to show, or an error (HTTP 400)."""

    card: Json | None = None
    error: str = ""


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
        actor, action = Actor(email, PLATFORM, lang), str(value.get("action"))
        if action == forms.DOUBT_SUBMIT:
            return answer_of(self.run_doubt(actor, value, dedup_key), lang)
        if action == forms.ESCALATE_SUBMIT:
            return answer_of(self.run_escalation(actor, value, dedup_key), lang)
        return answer_of(self.run_decision(actor, action, value), lang)

    @cached_property
    def views(self) -> ThreadViews:
        """The channel card's views, with the org and the references in the database."""
        return ThreadViews(self.ctx.store, DbConversationReferences(self.ctx.store), self.ctx.org)

    def on_execute(self, verb: str, data: Any, aad_object_id: str, conversation: str) -> Executed:
        """An `Action.Execute` (`verb` in forms.EXECUTE_VERBS) on an escalation's channel card,
        by `aad_object_id` in `conversation`: their view of the card, after the decision."""
        email = self.identities.email_of(aad_object_id)
        found = self.channel_thread(data, email, conversation)
        if found is None:
            return Executed(error=f"{UNKNOWN_CARD.nl} / {UNKNOWN_CARD.en}")
        request, root = found
        lang = self.lang_of(email, data)
        outcome = ""
        if verb in forms.EXECUTE_DECISIONS:
            value = {**data, "action": verb, "lang": lang}
            outcome = self.on_submit(value, aad_object_id, dedup_key=None).text
            request = self.request(request.id) or request
        decider = self.views.is_decider(request, email)
        card = self.views.card(request, root.text or "", lang, decider=decider, outcome=outcome)
        return Executed(card=card)

    def channel_thread(
        self, data: Any, email: str | None, conversation: str
    ) -> tuple[RequestRow, TeamsMessageRow] | None:
        """The escalation `data` names and its channel card, if this person may see it there:
        in the card's own channel, or anywhere as its requester or a leader of its school."""
        number = parsing.request_number(data.get("request")) if isinstance(data, dict) else None
        request = self.request(number) if number is not None else None
        root = self.views.thread_root(request) if request is not None else None
        if request is None or root is None or request.kind != "escalation":
            return None
        here = _channel(conversation) == _channel(root.conversation_id)
        return (request, root) if here or self.may_view(request, email) else None

    def may_view(self, request: RequestRow, email: str | None) -> bool:
        """True for the request's requester and its school's leaders (the domain's rule)."""
        if email is None:
            return False
        refusal = authorise(
            self.ctx.org,
            email,
            school_id=request.school,
            requester=request.requester,
            action="view",
        )
        return refusal is None

    def request(self, number: int) -> RequestRow | None:
        """The stored request with this number."""
        with self.ctx.store.transaction() as session:
            return session.get(RequestRow, number)

    def lang_of(self, email: str | None, data: Json) -> Lang:
        """The person's language from the org file, else the card's."""
        person = self.ctx.org.person(email) if email is not None else None
        if person is not None:
            return person.lang
        return "en" if data.get("lang") == "en" else "nl"

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


UNKNOWN_CARD = Localized(
    "Deze kaart hoort bij geen escalatie die ik je kan laten zien.",
    "This card belongs to no escalation I can show you.",
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


def _channel(conversation_id: str) -> str:
    """A channel conversation id without its thread ("19:…@thread.tacv2;messageid=1" → "19:…")."""
    return conversation_id.split(";", 1)[0]
