"""Chat commands for the workflows, platform-free: /twijfel, /akkoord 12, /escaleer, ...

Each command has a Dutch and an English name; the name used sets the reply language. The doubt
check and the escalation ask for their details step by step (one line per step), so they work
in an interactive terminal and with piped input alike. Bad input never loses what was typed
before: the step is asked again with what to type instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.draftcheck import Finding, format_findings
from bot.models import Button, Lang, Localized, Reply
from bot.org import School
from bot.workflows import parsing
from bot.workflows import texts as wt
from bot.workflows.base import Actor, Context, Outcome, both, choose_school, school_of
from bot.workflows.doubt_check import DoubtDraft, decide, run_draft_check, submit, withdraw
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note
from bot.workflows.queries import list_text, show, visible_requests

Finish = Callable[[dict[str, object]], Reply]
Parse = Callable[[str], object]


@dataclass(frozen=True)
class Command:
    """A chat command: its key, its Dutch and English names and what it does."""

    key: str
    nl: str
    en: str
    usage: str
    help: Localized


COMMAND_LIST = (
    Command(
        "doubt",
        "twijfel",
        "doubt",
        "",
        Localized(
            "concept aan je directeur voorleggen (B.3)", "put a draft before your director (B.3)"
        ),
    ),
    Command(
        "escalate",
        "escaleer",
        "escalate",
        "",
        Localized(
            "een ontsporende discussie melden (B.2)",
            "report a discussion getting out of hand (B.2)",
        ),
    ),
    Command(
        "requests",
        "verzoeken",
        "requests",
        "",
        Localized(
            "je verzoeken (en die van je school, als directie)",
            "your requests (and your school's, as leader)",
        ),
    ),
    Command(
        "show", "toon", "show", " N", Localized("één verzoek in detail", "one request in detail")
    ),
    Command(
        "approve", "akkoord", "approve", " N [opmerking]", Localized("akkoord geven", "approve")
    ),
    Command(
        "advise_against",
        "afraden",
        "advise-against",
        " N reden",
        Localized("afraden, met reden", "advise against, with a reason"),
    ),
    Command(
        "talk", "overleg", "talk", " N [opmerking]", Localized("eerst overleggen", "talk first")
    ),
    Command(
        "acknowledge",
        "ontvangen",
        "acknowledge",
        " N",
        Localized("escalatie ontvangen", "acknowledge an escalation"),
    ),
    Command(
        "resolve",
        "opgelost",
        "resolve",
        " N notitie",
        Localized("escalatie afsluiten, met notitie", "resolve an escalation, with a note"),
    ),
    Command("note", "notitie", "note", " N tekst", Localized("notitie toevoegen", "add a note")),
    Command(
        "withdraw",
        "intrekken",
        "withdraw",
        " N",
        Localized("je twijfelcheck intrekken", "withdraw your doubt check"),
    ),
    Command(
        "check",
        "controleer",
        "check",
        " [tekst]",
        Localized("concept controleren zonder te versturen", "check a draft without sending it"),
    ),
    Command("school", "school", "school", "", Localized("je school kiezen", "pick your school")),
    Command(
        "cancel",
        "annuleer",
        "cancel",
        "",
        Localized("stoppen met de huidige vraag", "stop the current flow"),
    ),
    Command("help", "help", "help", "", Localized("deze lijst", "this list")),
)
COMMANDS: dict[str, tuple[Command, Lang]] = {
    **{f"/{c.en}": (c, "en") for c in COMMAND_LIST},
    **{f"/{c.nl}": (c, "nl") for c in COMMAND_LIST},
}


def help_text() -> Localized:
    """Every command with its Dutch and English name."""
    nl = [f"  /{c.nl}{c.usage} (/{c.en}) — {c.help.nl}" for c in COMMAND_LIST]
    en = [f"  /{c.en}{c.usage} (/{c.nl}) — {c.help.en}" for c in COMMAND_LIST]
    return Localized("\n".join([wt.HELP_HEAD.nl, *nl]), "\n".join([wt.HELP_HEAD.en, *en]))


@dataclass
class Step:
    """One question of a step-by-step flow."""

    name: str
    prompt: Callable[[dict[str, object]], Localized]
    parse: Parse


@dataclass
class Wizard:
    """A step-by-step flow: asks each step, keeps the answers, then finishes."""

    steps: list[Step]
    finish: Finish
    values: dict[str, object] = field(default_factory=dict)
    index: int = 0

    def prompt(self, lang: Lang) -> str:
        """The current question."""
        return self.steps[self.index].prompt(self.values).get(lang)

    def feed(self, line: str) -> Reply | Localized | None:
        """Use one answer: the final reply, an error to show, or None to ask the next step."""
        step = self.steps[self.index]
        try:
            self.values[step.name] = step.parse(line)
        except parsing.InputError as exc:
            return exc.message
        self.index += 1
        if self.index < len(self.steps):
            return None
        return self.finish(self.values)


def fixed(text: Localized) -> Callable[[dict[str, object]], Localized]:
    """A prompt that does not depend on earlier answers."""
    return lambda _values: text


def required(text: str) -> str:
    """Non-empty text, or an InputError."""
    if not text.strip():
        raise parsing.InputError(wt.TEXT_REQUIRED)
    return text.strip()


class CommandSession:
    """One person's command conversation (holds an unfinished step-by-step flow)."""

    def __init__(self, ctx: Context, actor: Actor, *, lang: Lang = "nl") -> None:
        self.ctx = ctx
        self.actor = actor
        self.lang: Lang = lang
        self.wizard: Wizard | None = None
        self._pending: Callable[[], Reply] | None = None
        self._handlers: dict[str, Callable[[str], Reply]] = {
            "doubt": self._doubt,
            "escalate": self._escalate,
            "requests": self._requests,
            "show": self._by_id(lambda i, _r: show(self.ctx, self.actor, i)),
            "approve": self._by_id(lambda i, r: decide(self.ctx, self.actor, i, "approve", r)),
            "advise_against": self._by_id(
                lambda i, r: decide(self.ctx, self.actor, i, "advise_against", r)
            ),
            "talk": self._by_id(lambda i, r: decide(self.ctx, self.actor, i, "talk", r)),
            "acknowledge": self._by_id(lambda i, _r: acknowledge(self.ctx, self.actor, i)),
            "resolve": self._by_id(lambda i, r: resolve(self.ctx, self.actor, i, r)),
            "note": self._by_id(lambda i, r: add_note(self.ctx, self.actor, i, r)),
            "withdraw": self._by_id(lambda i, _r: withdraw(self.ctx, self.actor, i)),
            "check": self._check,
            "school": lambda _args: self._choose_school_prompt(None),
            "cancel": self._cancel,
            "help": lambda _args: self._say(help_text()),
        }

    # --- entry points ---------------------------------------------------------------------

    def wants(self, line: str) -> bool:
        """True when `line` is a command, or an answer to a step of an unfinished flow."""
        return self.wizard is not None or line.lstrip().startswith("/")

    def handle(self, line: str) -> Reply:
        """The reply to a command or to a step of the current flow."""
        stripped = line.strip()
        if stripped.startswith("/"):
            return self._command(stripped)
        if self.wizard is None:
            return self._say(help_text())
        return self._feed(self.wizard, stripped)

    def press(self, button: Button, lang: Lang | None = None) -> Reply | None:
        """Handle a pressed button (from an answer or a notification); None if not ours."""
        self.lang = lang or self.lang
        value = button.value
        presses: dict[str, Callable[[], Reply]] = {
            "doubt_check": lambda: self._doubt(""),
            "escalate": lambda: self._escalate(""),
            "approve": lambda: self._handlers["approve"](value),
            "talk": lambda: self._handlers["talk"](value),
            "acknowledge": lambda: self._handlers["acknowledge"](value),
            "advise_against": lambda: self._ask_then(value, "advise_against"),
            "resolve": lambda: self._ask_then(value, "resolve"),
            "choose_school": lambda: self._chosen(value),
        }
        action = presses.get(button.action)
        return action() if action else None

    # --- commands -------------------------------------------------------------------------

    def _command(self, line: str) -> Reply:
        before = self.wizard
        reply = self._run_command(line)
        if before is not None and self.wizard is before:
            return self._with_prompt(reply, wt.STILL_BUSY)
        return reply

    def _run_command(self, line: str) -> Reply:
        name, _, args = line.partition(" ")
        found = COMMANDS.get(name.lower())
        if found is None:
            return self._say(wt.UNKNOWN_COMMAND, name=name[:40], commands=help_text())
        command, lang = found
        self.lang = lang
        return self._handlers[command.key](args.strip())

    def _by_id(self, act: Callable[[int, str], Outcome | Reply]) -> Callable[[str], Reply]:
        def run(args: str) -> Reply:
            first, _, rest = args.partition(" ")
            number = parsing.request_number(first.lstrip("#"))
            if number is None:
                return self._say(wt.NEED_ID)
            result = act(number, rest.strip())
            return result if isinstance(result, Reply) else self._outcome(result)

        return run

    def _ask_then(self, value: str, key: str) -> Reply:
        """A button that needs text first (a reason, a note): ask it, then run the command."""
        prompt = wt.ASK_REASON if key == "advise_against" else wt.ASK_NOTE
        return self._start(
            [Step("text", fixed(prompt), required)],
            lambda v: self._handlers[key](f"{value} {v['text']}"),
        )

    def _requests(self, _args: str) -> Reply:
        return self._say(list_text(self.ctx, visible_requests(self.ctx, self.actor)))

    def _check(self, args: str) -> Reply:
        if args:
            return self._check_text(args)
        return self._start(
            [Step("text", fixed(wt.ASK_DRAFT), required)],
            lambda v: self._check_text(str(v["text"])),
        )

    def _check_text(self, text: str) -> Reply:
        school = self._school()
        name = school.name if school else self.ctx.org.schools[0].name
        findings = run_draft_check(self.ctx, DoubtDraft(text=text), name)
        return self._say(wt.CHECK_RESULT, findings=_findings_text(findings))

    def _cancel(self, _args: str) -> Reply:
        if self.wizard is None:
            return self._say(wt.NOTHING_TO_CANCEL)
        self.wizard = None
        return self._say(wt.CANCELLED)

    # --- the doubt check and the escalation, step by step ----------------------------------

    def _doubt(self, args: str) -> Reply:
        school = self._school()
        if school is None:
            return self._choose_school_prompt(lambda: self._doubt(args))
        steps = [
            Step("link", fixed(wt.ASK_LINK), parsing.optional),
            Step("medium", fixed(wt.ASK_MEDIUM), parsing.optional),
            Step(
                "when",
                fixed(wt.ASK_WHEN),
                lambda t: parsing.when(t, self.ctx.clock.now(), school.hours.zone),
            ),
            Step("confirm", lambda v: self._confirm_prompt(v, school), parsing.yes_no),
        ]
        if args:
            return self._start(steps, self._submit_doubt, values={"text": args})
        return self._start(
            [Step("text", fixed(wt.ASK_DRAFT), required), *steps], self._submit_doubt
        )

    def _confirm_prompt(self, values: dict[str, object], school: School) -> Localized:
        draft = self._draft(values)
        findings = run_draft_check(self.ctx, draft, school.name)
        return _fill(wt.ASK_CONFIRM, findings=_findings_text(findings))

    @staticmethod
    def _draft(values: dict[str, object]) -> DoubtDraft:
        link, medium, when = values.get("link"), values.get("medium"), values.get("when")
        return DoubtDraft(
            text=str(values["text"]),
            link=link if isinstance(link, str) else None,
            medium=medium if isinstance(medium, str) else None,
            publish_at=when if isinstance(when, datetime) else None,
        )

    def _submit_doubt(self, values: dict[str, object]) -> Reply:
        if not values.get("confirm"):
            return self._say(wt.NOT_SENT)
        actor = replace(self.actor, lang=self.lang)
        return self._outcome(submit(self.ctx, actor, self._draft(values)))

    def _escalate(self, _args: str) -> Reply:
        if self._school() is None:
            return self._choose_school_prompt(lambda: self._escalate(_args))
        steps = [
            Step("links", fixed(wt.ASK_LINKS), parsing.links),
            Step("medium", fixed(wt.ASK_MEDIUM), parsing.optional),
            Step("description", fixed(wt.ASK_DESCRIPTION), required),
            Step("urgency", fixed(wt.ASK_URGENCY), parsing.urgency),
        ]
        return self._start(steps, self._submit_escalation)

    def _submit_escalation(self, values: dict[str, object]) -> Reply:
        medium = values.get("medium")
        report = EscalationInput(
            links=_strings(values["links"]),
            medium=medium if isinstance(medium, str) else None,
            description=str(values["description"]),
            urgency="today" if values["urgency"] == "today" else "now",
        )
        actor = replace(self.actor, lang=self.lang)
        return self._outcome(open_escalation(self.ctx, actor, report))

    # --- schools ----------------------------------------------------------------------------

    def _school(self) -> School | None:
        with self.ctx.store.transaction() as session:
            return school_of(session, self.ctx, self.actor.email)

    def _choose_school_prompt(self, then: Callable[[], Reply] | None) -> Reply:
        self._pending = then
        schools = self.ctx.org.schools
        buttons = tuple(Button(s.name, "choose_school", s.id) for s in schools)
        text = wt.CHOOSE_SCHOOL.get(self.lang)
        return Reply(kind="notice", lang=self.lang, text=text, buttons=buttons)

    def _chosen(self, school_id: str) -> Reply:
        try:
            school = choose_school(self.ctx, self.actor.email, school_id)
        except KeyError:
            return self._choose_school_prompt(self._pending)
        then, self._pending = self._pending, None
        chosen = _fill(wt.SCHOOL_CHOSEN, school=school.name).get(self.lang)
        if then is None:
            return Reply(kind="notice", lang=self.lang, text=chosen)
        follow = then()
        return Reply(
            kind="notice", lang=self.lang, text=f"{chosen}\n{follow.text}", buttons=follow.buttons
        )

    # --- plumbing -----------------------------------------------------------------------------

    def _start(
        self, steps: list[Step], finish: Finish, *, values: dict[str, object] | None = None
    ) -> Reply:
        self.wizard = Wizard(steps, finish, dict(values or {}))
        return Reply(kind="notice", lang=self.lang, text=self.wizard.prompt(self.lang))

    def _feed(self, wizard: Wizard, line: str) -> Reply:
        result = wizard.feed(line)
        if isinstance(result, Reply):
            self.wizard = None if self.wizard is wizard else self.wizard
            return result
        text = wizard.prompt(self.lang)
        if isinstance(result, Localized):
            text = f"{result.get(self.lang)}\n{text}"
        return Reply(kind="notice", lang=self.lang, text=text)

    def _with_prompt(self, reply: Reply, note: Localized) -> Reply:
        assert self.wizard is not None
        text = f"{reply.text}\n\n{note.get(self.lang)} {self.wizard.prompt(self.lang)}"
        return Reply(kind="notice", lang=self.lang, text=text, buttons=reply.buttons)

    def _outcome(self, outcome: Outcome) -> Reply:
        return Reply(kind="notice", lang=self.lang, text=outcome.text(self.lang))

    def _say(self, text: Localized, **values: object) -> Reply:
        return Reply(kind="notice", lang=self.lang, text=_fill(text, **values).get(self.lang))


def _fill(text: Localized, **values: object) -> Localized:
    return both(text, **values)


def _findings_text(findings: tuple[Finding, ...]) -> Localized:
    return Localized(format_findings(findings, "nl"), format_findings(findings, "en"))


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, tuple | list) else ()
