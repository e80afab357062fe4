"""A flow started in English stays English (prompts, choices, confirmations, errors), and the
director reads the request in their own language: `lang` in the organisation file."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from adapters.console.chat import ConsoleChat, render
from adapters.console.port import ConsolePort, take_unread
from bot.assistant import Assistant
from bot.dispatcher import Dispatcher
from bot.models import Reply, UserRef
from bot.store.models import RequestRow
from bot.workflows.base import Actor, Context
from bot.workflows.commands import CommandSession
from tests.workflows.conftest import AMSTERDAM, ANNA, DIRECTOR, knowledge_for

DRAFT = "What a party today, look at this class photo of group 5!"
DUTCH = ("Plak ", "Link naar", "Op welk platform", "Wanneer", "Controle:", "Versturen", "Verstuurd")


def with_english_director(ctx: Context) -> Context:
    """The same world, but the director reads English (`lang: en` in the org file)."""
    people = dict(ctx.org.people)
    people[DIRECTOR] = replace(people[DIRECTOR], lang="en")
    return replace(ctx, org=replace(ctx.org, people=people))


class Terminal:
    """`policybot chat` as one person, wired as bot.cli_workflows.run_chat wires it."""

    def __init__(self, ctx: Context, email: str) -> None:
        dispatcher = Dispatcher(ctx, {"console": ConsolePort(ctx.clock)})
        lang = ctx.org.person_or_guest(email).lang

        def notifications() -> list[Reply]:
            dispatcher.run_once()
            return [
                Reply(kind="notice", lang=lang, text=m.text, buttons=m.buttons)
                for m in take_unread(ctx.store, email, ctx.clock.now())
            ]

        self.chat = ConsoleChat(
            Assistant(knowledge_for("Het Kofschip")),
            user=UserRef("console", email, email=email),
            commands=CommandSession(ctx, Actor(email, "console"), lang=lang),
            notifications=notifications,
        )

    def type(self, *lines: str) -> list[str]:
        """What the chat answers to each line."""
        return [render(self.chat.respond(line)) for line in lines]

    def look(self) -> str:
        return self.chat.pending_notifications()


def request(ctx: Context, number: int = 1) -> RequestRow:
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, number)
        assert row is not None
        return row


def test_a_doubt_check_started_in_english_stays_english(ctx: Context) -> None:
    anna = Terminal(ctx, ANNA)  # Anna reads Dutch, but typed /doubt
    replies = anna.type("/doubt", DRAFT, "none", "Instagram", "someday", "tomorrow at 9", "yes")
    assert replies[0].startswith("Paste or type the text of your post")
    assert replies[1].startswith("Link to the post or the photo?")
    assert replies[2].startswith("On which platform?")
    assert replies[3].startswith("When do you want to publish it?")
    assert replies[4].startswith("I do not understand that time.")
    assert replies[5].startswith("Check: This draft may touch")
    assert "Send to your director? (yes/no)" in replies[5]
    assert replies[6].startswith("Sent to Directeur Kofschip (doubt check #1).")
    assert not [r for r in replies if any(word in r for word in DUTCH)]
    assert request(ctx).publish_at == datetime(2025, 3, 11, 9, 0, tzinfo=AMSTERDAM)


def test_the_director_reads_an_english_request_in_dutch(ctx: Context) -> None:
    Terminal(ctx, ANNA).type("/doubt", DRAFT, "none", "Instagram", "tomorrow at 9", "yes")
    director = Terminal(ctx, DIRECTOR)
    seen = director.look()
    assert "Twijfelcheck #1 van Juf Anna (Het Kofschip)" in seen
    assert "[1] Akkoord" in seen
    assert director.type("1") == [
        "Vastgelegd: je gaf akkoord op twijfelcheck #1. Juf Anna krijgt bericht."
    ]


def test_an_english_director_reads_and_decides_in_english(ctx: Context) -> None:
    english = with_english_director(ctx)
    anna = Terminal(english, ANNA)
    anna.type("/twijfel", "Open dag zaterdag!", "geen", "Facebook", "morgen om 9 uur", "ja")
    director = Terminal(english, DIRECTOR)
    seen = director.look()
    assert "Doubt check #1 from Juf Anna (Het Kofschip)" in seen
    assert "publishing: 2025-03-11 09:00" in seen
    assert "[1] Approve" in seen and "[3] Let's talk" in seen
    assert director.type("3") == [
        "Recorded: you asked to talk about doubt check #1. Juf Anna will be told."
    ]
    assert "wil twijfelcheck #1 even met je bespreken" in anna.look()  # Anna reads Dutch


def test_an_escalation_started_in_english_stays_english(ctx: Context) -> None:
    anna = Terminal(ctx, ANNA)
    replies = anna.type(
        "/escalate", "none", "Facebook", "Parents are threatening a teacher", "soon", "very urgent"
    )
    assert replies[0].startswith("Link(s) to the discussion?")
    assert replies[3].startswith("How urgent?")
    assert replies[4].startswith("Type 'now' (urgent) or 'today' (not urgent).")
    assert replies[5].startswith(
        "Your director Directeur Kofschip has been alerted (escalation #1)"
    )
    assert request(ctx).urgency == "now"
    alert = Terminal(ctx, DIRECTOR).look()
    assert "Escalatie #1 van Juf Anna (Het Kofschip), urgentie: nu" in alert
    assert "[1] Ontvangen" in alert


def test_the_requester_hears_back_in_the_language_the_flow_was_started_in(ctx: Context) -> None:
    anna = Terminal(ctx, ANNA)  # Anna reads Dutch, but typed /doubt
    anna.type("/doubt", DRAFT, "none", "Instagram", "tomorrow at 9", "yes")
    director = Terminal(ctx, DIRECTOR)
    director.look()
    director.type("3")  # let's talk

    heard = anna.look()

    assert request(ctx).lang == "en"
    assert "doubt check #1" in heard and "twijfelcheck #1" not in heard


def test_a_flow_started_in_dutch_is_answered_in_dutch(ctx: Context) -> None:
    anna = Terminal(ctx, ANNA)
    anna.type("/twijfel", "Open dag zaterdag!", "geen", "Facebook", "morgen om 9 uur", "ja")
    director = Terminal(ctx, DIRECTOR)
    director.look()
    director.type("3")

    assert request(ctx).lang == "nl"
    assert "twijfelcheck #1" in anna.look()
