"""The B.3 doubt check and the B.2 escalation in Slack: buttons, commands, shortcuts, modals.

Every modal is opened at once in the listener, before anything slow (a trigger_id lives three
seconds; bolt-python #896). Submissions and button presses call the same workflow services as
the terminal chat (`bot.workflows`); the notifications they cause go through the outbox and
the dispatcher (`SlackPort`). Authorisation is the domain's: a refusal is shown to the person
who pressed, and only to them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from adapters.slack import blocks, modals
from adapters.slack.chat_port import ThreadState
from adapters.slack.identity import Identities, IdentityUnavailable
from bot.models import Lang, Localized
from bot.store.models import RequestRow
from bot.workflows import parsing
from bot.workflows import texts as wt
from bot.workflows.base import FINAL_STATES, Actor, Context, Outcome, choose_school, school_of
from bot.workflows.doubt_check import DoubtDraft, decide, submit, withdraw
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note

LOG = logging.getLogger("policybot.slack.workflows")

DOUBT_COMMAND, ESCALATE_COMMAND = "/twijfel", "/escaleer"
NOTE_COMMAND, WITHDRAW_COMMAND = "/notitie", "/intrekken"
DOUBT_MESSAGE_SHORTCUT = "doubt_check_message"
ESCALATE_MESSAGE_SHORTCUT = "escalate_message"
ESCALATE_SHORTCUT = "escalate_global"
COMMANDS = (DOUBT_COMMAND, ESCALATE_COMMAND, NOTE_COMMAND, WITHDRAW_COMMAND)
DECISION_ACTIONS = re.compile(r"^(approve|advise_against|talk|acknowledge|resolve)(:\d+)?$")
SCHOOL_ACTIONS = re.compile(rf"^{modals.SCHOOL_ACTION}(:\d+)?$")

UNKNOWN_USER = Localized(
    "Ik weet niet wie je bent: je Slack-account heeft geen e-mailadres dat ik kan lezen. "
    "Vraag de beheerder je slack_id in het organisatiebestand te zetten.",
    "I do not know who you are: your Slack account has no email address I can read. "
    "Ask the administrator to add your slack_id to the organisation file.",
)
NOTE_USAGE = Localized(
    "Gebruik: /notitie <nummer> <tekst>, bijv. /notitie 12 Ouders gebeld.",
    "Usage: /notitie <number> <text>, e.g. /notitie 12 Called the parents.",
)
WITHDRAW_USAGE = Localized(
    "Gebruik: /intrekken <nummer>, bijv. /intrekken 12.",
    "Usage: /intrekken <number>, e.g. /intrekken 12.",
)
STORE_UNAVAILABLE = Localized(
    "Niet opgeslagen: opslaan lukt nu even niet. Probeer het over een minuut opnieuw.",
    "Not saved: storing it failed just now. Please try again in a minute.",
)
SLACK_UNAVAILABLE = Localized(
    "Niet verstuurd: Slack kon me net niet vertellen wie je bent. Probeer het over een minuut "
    "opnieuw.",
    "Not sent: Slack could not tell me who you are just now. Please try again in a minute.",
)
RESULT_TITLE = Localized("Verstuurd", "Sent")
NOT_SENT_TITLE = Localized("Niet verstuurd", "Not sent")

Body = dict[str, Any]


@dataclass(frozen=True)
class WorkflowServices:
    """What the workflow listeners need: the workflow context and who is who."""

    ctx: Context
    identities: Identities


def register_workflow_listeners(
    app: AsyncApp, services: WorkflowServices, say: Say, answer_actions: re.Pattern[str]
) -> None:
    """Modals from buttons, commands and shortcuts; submissions; the director's buttons."""
    register_openers(app, answer_actions)
    register_submissions(app, services)
    register_decisions(app, services, say)
    register_notes(app, services, say)


Say = Callable[[Body, str], Awaitable[None]]


# --- opening the modals (in the acknowledgement phase) -------------------------------------------


def register_openers(app: AsyncApp, answer_actions: re.Pattern[str]) -> None:
    """The "ask my director" / "escalate" buttons, /twijfel, /escaleer and the shortcuts."""

    @app.action(answer_actions)
    async def on_answer_button(
        ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient
    ) -> None:
        lang = blocks.lang_of(action.get("block_id"))
        is_doubt = str(action.get("action_id", "")).startswith(blocks.DOUBT_CHECK)
        view = modals.doubt_modal(lang) if is_doubt else modals.escalation_modal(lang)
        await open_then_ack(ack, client, body, view)

    @app.command(DOUBT_COMMAND)
    async def on_doubt_command(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        draft = str(command.get("text") or "")
        await open_then_ack(ack, client, command, modals.doubt_modal("nl", draft=draft))

    @app.command(ESCALATE_COMMAND)
    async def on_escalate_command(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        what = str(command.get("text") or "")
        await open_then_ack(ack, client, command, modals.escalation_modal("nl", what=what))

    @app.shortcut(ESCALATE_SHORTCUT)
    async def on_escalate_shortcut(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await open_then_ack(ack, client, body, modals.escalation_modal("nl"))

    @app.shortcut(DOUBT_MESSAGE_SHORTCUT)
    async def on_doubt_message(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        draft = str((body.get("message") or {}).get("text") or "")
        await open_then_ack(ack, client, body, modals.doubt_modal("nl", draft=draft))

    @app.shortcut(ESCALATE_MESSAGE_SHORTCUT)
    async def on_escalate_message(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        text, link = await message_and_permalink(client, body)
        view = modals.escalation_modal("nl", links=link, what=text)
        await open_then_ack(ack, client, body, view)


async def open_then_ack(ack: AsyncAck, client: AsyncWebClient, body: Body, view: Body) -> None:
    """views.open with the trigger_id first (it expires in 3 s), then acknowledge."""
    trigger_id = body.get("trigger_id")
    if not isinstance(trigger_id, str) or not trigger_id:  # Slack always sends one
        LOG.warning("slack: no trigger_id, so no modal can open")
        await ack()
        return
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except Exception as exc:  # a failed modal must not leave Slack without an ack
        LOG.warning("slack: views.open failed: %s", type(exc).__name__)
    finally:
        await ack()


async def message_and_permalink(client: AsyncWebClient, body: Body) -> tuple[str, str]:
    """The text of the message a shortcut was used on, and its permalink (when Slack gives it)."""
    message = body.get("message") or {}
    channel = _channel(body)
    text = str(message.get("text") or "")
    if not channel or not message.get("ts"):
        return text, ""
    try:
        found = await asyncio.wait_for(
            client.chat_getPermalink(channel=channel, message_ts=str(message["ts"])), 1.0
        )
    except Exception:  # the permalink is a convenience; the modal opens without it
        return text, ""
    return text, str(found.get("permalink") or "")


# --- submissions --------------------------------------------------------------------------------


def register_submissions(app: AsyncApp, services: WorkflowServices) -> None:
    """The doubt check and escalation forms, and the school picker."""

    @app.view(modals.DOUBT_VIEW)
    async def on_doubt_submitted(
        ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        await submit_form(ack, body, view, client, services, run_doubt)

    @app.view(modals.ESCALATION_VIEW)
    async def on_escalation_submitted(
        ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient
    ) -> None:
        await submit_form(ack, body, view, client, services, run_escalation)

    @app.action(SCHOOL_ACTIONS)
    async def on_school_chosen(
        ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient
    ) -> None:
        await ack()
        await school_chosen(body, action, client, services)


Runner = Callable[[WorkflowServices, Actor, dict[str, Any], str | None], Outcome | Localized]


async def submit_form(
    ack: AsyncAck,
    body: Body,
    view: Body,
    client: AsyncWebClient,
    services: WorkflowServices,
    runner: Runner,
) -> None:
    """Identify the person, run the workflow, and show its outcome in the modal."""
    meta = modals.meta_of(view)
    form = {**meta, "values": modals.values_of(view), "callback": view.get("callback_id")}
    lang: Lang = "en" if meta.get("lang") == "en" else "nl"
    field = "draft" if form["callback"] == modals.DOUBT_VIEW else "what"
    try:
        email = await services.identities.email_of(client, _user(body))
    except IdentityUnavailable:  # the form stays open, its text intact, to send again
        await ack(response_action="errors", errors={field: SLACK_UNAVAILABLE.get(lang)})
        return
    if email is None:
        await ack(response_action="update", view=result(NOT_SENT_TITLE, UNKNOWN_USER, lang))
        return
    try:
        if await asyncio.to_thread(needs_school, services.ctx, email):
            await ack(
                response_action="update",
                view=modals.school_view(lang, services.ctx.org.schools, form),
            )
            return
        actor = Actor(email, "slack")
        outcome = await asyncio.to_thread(runner, services, actor, form, _dedup(view))
    except SQLAlchemyError as exc:  # nothing was stored: the form stays open to send again
        LOG.warning("slack: form not stored: %s", type(exc).__name__)
        await ack(response_action="errors", errors={field: STORE_UNAVAILABLE.get(lang)})
        return
    await ack(**outcome_ack(outcome, lang))


def outcome_ack(outcome: Outcome | Localized, lang: Lang) -> dict[str, Any]:
    """The view_submission answer: field errors for bad input, else the outcome in the modal."""
    if isinstance(outcome, Localized):
        return {"response_action": "errors", "errors": {"when": outcome.get(lang)}}
    title = RESULT_TITLE if outcome.ok else NOT_SENT_TITLE
    return {"response_action": "update", "view": result(title, outcome.message, lang)}


def result(title: Localized, text: Localized, lang: Lang) -> Body:
    """The outcome view."""
    return modals.result_view(title.get(lang), text.get(lang))


def needs_school(ctx: Context, email: str) -> bool:
    """True when neither the org file nor a stored choice places this person."""
    with ctx.store.transaction() as session:
        return school_of(session, ctx, email) is None


def run_doubt(
    services: WorkflowServices, actor: Actor, form: dict[str, Any], key: str | None
) -> Outcome | Localized:
    """Submit a doubt check; a time the domain cannot read comes back as a field error."""
    ctx, values = services.ctx, form["values"]
    with ctx.store.transaction() as session:
        school = school_of(session, ctx, actor.email)
    zone = school.hours.zone if school else ctx.org.schools[0].hours.zone
    try:
        when = parsing.when(values.get("when") or "weet ik niet", ctx.clock.now(), zone)
    except parsing.InputError as exc:
        return exc.message
    draft = DoubtDraft(
        text=values.get("draft", ""),
        link=values.get("link") or None,
        medium=values.get("platform") or None,
        publish_at=when,
    )
    return submit(ctx, actor, draft, dedup_key=key)


def run_escalation(
    services: WorkflowServices, actor: Actor, form: dict[str, Any], key: str | None
) -> Outcome | Localized:
    """Open an escalation from the form."""
    values = form["values"]
    report = EscalationInput(
        links=parsing.links(values.get("links") or "geen"),
        medium=values.get("platform") or None,
        description=values.get("what", ""),
        urgency="today" if values.get("urgency") == "vandaag" else "now",
    )
    return open_escalation(services.ctx, actor, report, dedup_key=key)


async def school_chosen(
    body: Body, action: Body, client: AsyncWebClient, services: WorkflowServices
) -> None:
    """Store the school, then send the form that was waiting for it."""
    view = body.get("view") or {}
    form, view_id = waiting_form(view), view.get("id")
    if form is None or not isinstance(view_id, str) or not view_id:  # not our school picker
        return
    email = await known_email(services, client, _user(body))
    if email is None:  # the picker stays open: choosing again sends the form
        return
    try:
        await asyncio.to_thread(choose_school, services.ctx, email, str(action.get("value")))
    except KeyError:
        return
    runner = run_doubt if form.get("callback") == modals.DOUBT_VIEW else run_escalation
    outcome = await asyncio.to_thread(runner, services, Actor(email, "slack"), form, _dedup(view))
    lang: Lang = "en" if form.get("lang") == "en" else "nl"
    text = outcome if isinstance(outcome, Localized) else outcome.message
    done = result(
        RESULT_TITLE if isinstance(outcome, Outcome) and outcome.ok else NOT_SENT_TITLE, text, lang
    )
    try:
        await client.views_update(view_id=view_id, view=done)
    except Exception as exc:  # the form is sent; only the modal's closing word is lost
        LOG.warning("slack: views.update failed: %s", type(exc).__name__)


async def known_email(
    services: WorkflowServices, client: AsyncWebClient, user_id: str
) -> str | None:
    """The person's email; None when unknown or when Slack cannot say right now."""
    try:
        return await services.identities.email_of(client, user_id)
    except IdentityUnavailable:
        return None


def waiting_form(view: Body) -> dict[str, Any] | None:
    """The form a school picker holds in its metadata (its texts only); None if there is none."""
    form = modals.meta_of(view)
    values = form.get("values")
    if not isinstance(values, dict):
        return None
    form["values"] = {name: text for name, text in values.items() if isinstance(text, str)}
    return form if form["values"] else None


# --- the director's buttons ----------------------------------------------------------------------


def register_decisions(app: AsyncApp, services: WorkflowServices, say: Say) -> None:
    """Akkoord / Afraden / Overleg on a doubt check; Ontvangen / Opgelost on an escalation."""

    @app.action(DECISION_ACTIONS)
    async def on_decision(ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient) -> None:
        name = str(action.get("action_id", "")).split(":")[0]
        value = str(action.get("value") or "")
        lang = blocks.lang_of(action.get("block_id"))
        if name in ("advise_against", "talk", "resolve"):
            meta = {"id": value, "channel": _channel(body), "lang": lang}
            view = modals.comment_modal(lang, name, meta)
            await open_then_ack(ack, client, body, view)
            return
        await ack()
        outcome = await act(services, client, _user(body), name, value, "")
        if outcome is not None and not outcome.ok:
            await say(body, outcome.text(lang))

    @app.view(modals.COMMENT_VIEW)
    async def on_comment(ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient) -> None:
        meta = modals.meta_of(view)
        comment = modals.values_of(view).get("comment", "")
        name, value = str(meta.get("decision")), str(meta.get("id"))
        outcome = await act(services, client, _user(body), name, value, comment)
        lang: Lang = "en" if meta.get("lang") == "en" else "nl"
        if outcome is None or outcome.ok:
            await ack()
            return
        await ack(response_action="errors", errors={"comment": outcome.text(lang)[:150]})


async def act(
    services: WorkflowServices,
    client: AsyncWebClient,
    user_id: str,
    name: str,
    value: str,
    comment: str,
) -> Outcome | None:
    """Run the domain's decision for a pressed button; the domain decides who may."""
    request_id = parsing.request_number(value)
    if request_id is None:
        return None
    try:
        email = await services.identities.email_of(client, user_id)
    except IdentityUnavailable:
        return Outcome(False, SLACK_UNAVAILABLE, request_id, code="identity_unavailable")
    if email is None:
        return Outcome(False, UNKNOWN_USER, code="unknown_user")
    actor, ctx = Actor(email, "slack"), services.ctx
    try:
        if name == "acknowledge":
            return await asyncio.to_thread(acknowledge, ctx, actor, request_id)
        if name == "resolve":
            return await asyncio.to_thread(resolve, ctx, actor, request_id, comment)
        decision = "approve" if name == "approve" else name
        return await asyncio.to_thread(decide, ctx, actor, request_id, decision, comment)  # type: ignore[arg-type]
    except SQLAlchemyError as exc:  # the press is not lost silently: they are told to retry
        LOG.warning("slack: %s not stored: %s", name, type(exc).__name__)
        return Outcome(False, STORE_UNAVAILABLE, request_id, code="store_unavailable")


# --- notes ---------------------------------------------------------------------------------


def register_notes(app: AsyncApp, services: WorkflowServices, say: Say) -> None:
    """/notitie N tekst (a note, posted in an escalation's thread) and /intrekken N."""

    @app.command(NOTE_COMMAND)
    async def on_note(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        await ack()
        number, _, text = str(command.get("text") or "").strip().partition(" ")
        if not text.strip():
            await say(command, both_languages(NOTE_USAGE))
            return
        run = lambda actor, n: add_note(services.ctx, actor, n, text)  # noqa: E731
        await by_number(services, client, command, say, number, run, NOTE_USAGE)

    @app.command(WITHDRAW_COMMAND)
    async def on_withdraw(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        await ack()
        number = str(command.get("text") or "").strip()
        run = lambda actor, n: withdraw(services.ctx, actor, n)  # noqa: E731
        await by_number(services, client, command, say, number, run, WITHDRAW_USAGE)


async def by_number(
    services: WorkflowServices,
    client: AsyncWebClient,
    command: Body,
    say: Say,
    number: str,
    run: Callable[[Actor, int], Outcome],
    usage: Localized,
) -> None:
    """Run a command on request `number` as the caller; the outcome only to them."""
    request_id = parsing.request_number(number.lstrip("#"))
    if request_id is None:
        await say(command, both_languages(usage))
        return
    try:
        email = await services.identities.email_of(client, _user(command))
    except IdentityUnavailable:
        await say(command, both_languages(SLACK_UNAVAILABLE))
        return
    if email is None:
        await say(command, both_languages(UNKNOWN_USER))
        return
    outcome = await asyncio.to_thread(run, Actor(email, "slack"), request_id)
    await say(command, both_languages(outcome.message))


def both_languages(text: Localized) -> str:
    """Dutch first, then English (a command does not say which language its user reads)."""
    return f"{text.nl}\n{text.en}" if text.nl != text.en else text.nl


# --- what the SlackPort needs from the database --------------------------------------------


def thread_state(ctx: Context) -> Callable[[int], ThreadState | None]:
    """The lookup SlackPort uses for an escalation's status line and its thread."""

    def lookup(request_id: int) -> ThreadState | None:
        with ctx.store.transaction() as session:
            request = session.get(RequestRow, request_id)
            if request is None or request.kind != "escalation":
                return None
            status = wt.STATUS_NAMES[request.status]
            return ThreadState(
                request_id=request.id,
                status=f"{status.nl} / {status.en}",
                buttons=request.status not in FINAL_STATES,
                thread=request.thread_ref,
            )

    return lookup


def _user(body: Body) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def _channel(body: Body) -> str:
    channel = body.get("channel")
    return str(channel.get("id") or "") if isinstance(channel, dict) else ""


def _dedup(view: Body) -> str | None:
    """A view submission's id: a repeated submission of the same view acts once."""
    view_id = view.get("id")
    return f"slack:view:{view_id}" if isinstance(view_id, str) and view_id else None
