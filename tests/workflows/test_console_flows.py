"""Both flows end to end through the console adapter: two people, one database, a clock."""

from __future__ import annotations

from datetime import datetime

from adapters.console.chat import ConsoleChat, render
from adapters.console.port import ConsolePort, take_unread
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.dispatcher import Dispatcher
from bot.models import Reply, UserRef
from bot.workflows.base import Actor, Context
from bot.workflows.commands import CommandSession
from tests.workflows.conftest import (
    AMSTERDAM,
    ANNA,
    BRAM,
    DEPUTY,
    DIRECTOR,
    OTHER_DIRECTOR,
    knowledge_for,
)


class Terminal:
    """One person's terminal chat: type a line, read what the chat printed."""

    def __init__(self, ctx: Context, email: str) -> None:
        dispatcher = Dispatcher(ctx, {"console": ConsolePort(ctx.clock)})

        def notifications() -> list[Reply]:
            dispatcher.run_once()
            return [
                Reply(kind="notice", lang="nl", text=m.text, buttons=m.buttons)
                for m in take_unread(ctx.store, email, ctx.clock.now())
            ]

        assistant = Assistant(knowledge_for("Het Kofschip"))
        session = CommandSession(ctx, Actor(email, "console"))
        self.chat = ConsoleChat(
            assistant,
            user=UserRef("console", email, email=email),
            commands=session,
            notifications=notifications,
        )

    def type(self, *lines: str) -> str:
        """Type lines one by one; returns every reply and notification shown."""
        out = []
        for line in lines:
            out.append(render(self.chat.respond(line)))
            out.append(self.chat.pending_notifications())
        return "\n".join(out)

    def look(self) -> str:
        """The notifications that arrived (as shown between lines)."""
        return self.chat.pending_notifications()


DRAFT_LINES = (
    "Wat een feest vandaag, kijk naar deze klassenfoto van groep 5!",
    "https://instagram.com/p/abc",
    "Instagram",
    "vandaag 15:00",
    "ja",
)


def test_doubt_check_from_question_to_approval(ctx: Context) -> None:
    anna, director = Terminal(ctx, ANNA), Terminal(ctx, DIRECTOR)
    answer = anna.type("ik twijfel of ik dit bericht mag plaatsen, wat moet ik doen")
    assert "B.3" in answer
    assert "Typ /twijfel" in answer
    button = next(i for i, b in enumerate(anna.chat._buttons, 1) if b.action == "doubt_check")
    asked = anna.type(str(button))
    assert "tekst van je bericht" in asked
    shown = anna.type(*DRAFT_LINES)
    assert "A.5" in shown
    assert "Verstuurd naar Directeur Kofschip (twijfelcheck #1)" in shown
    seen = director.look()
    assert "Twijfelcheck #1 van Juf Anna" in seen
    assert "[1] Akkoord" in seen
    decided = director.type("1")
    assert "Vastgelegd: je gaf akkoord op twijfelcheck #1" in decided
    assert "(bijgewerkt)" not in decided  # no notification of their own decision
    assert "gaf akkoord op twijfelcheck #1" in anna.look()


def test_advise_against_asks_for_the_reason(ctx: Context) -> None:
    anna, director = Terminal(ctx, ANNA), Terminal(ctx, DIRECTOR)
    anna.type("/twijfel", *DRAFT_LINES)
    assert "[2] Afraden" in director.look()
    assert "Waarom raad je het af" in director.type("2")
    assert "je raadt twijfelcheck #1 af" in director.type("Er staan leerlingen herkenbaar op")
    told = anna.look()
    assert "raadt twijfelcheck #1 af" in told
    assert "Er staan leerlingen herkenbaar op" in told


def test_a_missing_reason_says_so(ctx: Context) -> None:
    Terminal(ctx, ANNA).type("/twijfel", *DRAFT_LINES)
    director = Terminal(ctx, DIRECTOR)
    assert "Geef een reden als je afraadt" in director.type("/afraden 1")
    assert "Give a reason" in director.type("/advise-against 1")
    assert "je raadt twijfelcheck #1 af" in director.type("/afraden 1 liever geen namen")


def test_bad_input_is_explained_and_nothing_is_lost(ctx: Context) -> None:
    anna = Terminal(ctx, ANNA)
    assert "Onbekend commando: /twijfle" in anna.type("/twijfle")
    assert "/twijfel (/doubt)" in anna.type("/twijfle")
    anna.type("/twijfel", "Open dag zaterdag!", "geen", "Facebook")
    assert "Die tijd begrijp ik niet" in anna.type("volgende week ergens")
    assert "Wanneer wil je" in anna.type("/verzoeken")
    assert "Versturen naar je directeur" in anna.type("morgen 10:00")
    assert "Typ 'ja' of 'nee'" in anna.type("misschien")
    assert "twijfelcheck #1" in anna.type("ja")
    assert "Verzoek #42 bestaat niet" in anna.type("/intrekken 42")
    assert "Geef het nummer" in anna.type("/intrekken")


def test_withdraw_in_the_console(ctx: Context) -> None:
    anna, director = Terminal(ctx, ANNA), Terminal(ctx, DIRECTOR)
    anna.type("/doubt", *DRAFT_LINES[:-1], "yes")
    director.look()
    assert "withdrawn" in anna.type("/withdraw 1")
    assert "ingetrokken" in director.look()
    assert "al ingetrokken" in director.type("/akkoord 1")


def test_wrong_people_are_refused_in_the_console(ctx: Context) -> None:
    anna, bram = Terminal(ctx, ANNA), Terminal(ctx, BRAM)
    other = Terminal(ctx, OTHER_DIRECTOR)
    anna.type("/twijfel", *DRAFT_LINES)
    assert "Alleen de directeur of adjunct" in bram.type("/akkoord 1")
    assert "Alleen de directeur of adjunct" in other.type("/akkoord 1")
    assert "geen toegang" in other.type("/toon 1")
    assert "Geen verzoeken" in other.type("/verzoeken")
    assert "Alleen de aanvrager" in Terminal(ctx, DIRECTOR).type("/intrekken 1")
    assert "Only the director or deputy" in Terminal(ctx, ANNA).type("/approve 1")


def test_doubt_reminders_and_deputy_in_the_console(ctx: Context, clock: ManualClock) -> None:
    anna, director, deputy = Terminal(ctx, ANNA), Terminal(ctx, DIRECTOR), Terminal(ctx, DEPUTY)
    anna.type("/twijfel", "Open dag zaterdag!", "geen", "Facebook", "weet ik niet", "ja")
    director.look()
    clock.set(datetime(2025, 3, 10, 13, 0, tzinfo=AMSTERDAM))
    assert "Herinnering" in director.look()
    assert deputy.look() == ""
    clock.set(datetime(2025, 3, 11, 8, 0, tzinfo=AMSTERDAM))
    asked = deputy.look()
    assert "wil jij als adjunct kijken" in asked
    assert "overleg gevraagd" in deputy.type("3")
    assert "wil twijfelcheck #1 even met je bespreken" in anna.look()


def test_escalation_from_start_to_resolution(ctx: Context, clock: ManualClock) -> None:
    anna, director, deputy = Terminal(ctx, ANNA), Terminal(ctx, DIRECTOR), Terminal(ctx, DEPUTY)
    opened = anna.type(
        "/escaleer",
        "https://facebook.com/groups/ouders/1 https://facebook.com/groups/ouders/2",
        "Facebook",
        "Ouders schelden in de oudergroep",
        "nu",
    )
    assert "Je directeur Directeur Kofschip is gewaarschuwd (escalatie #1)" in opened
    alert = director.look()
    assert "Escalatie #1 van Juf Anna" in alert
    assert "te volgen strategie te bespreken" in alert  # B.2: parents, not staff, act here
    assert "Landelijke Vertrouwensinspecteur" not in alert
    assert "Gesprek tussen Juf Anna en Directeur Kofschip" in opened
    clock.advance(minutes=15)
    assert "nog niet ontvangen" in director.look()
    clock.advance(minutes=15)
    assert "Escalatie #1 van Juf Anna" in deputy.look()
    assert "adjunct is gevraagd" in anna.look()
    assert "Notitie bij #1 vastgelegd" in anna.type("/notitie 1 Nu ook op X")
    assert "Nu ook op X" in director.look()
    assert "ontvangen" in director.type("/ontvangen 1")
    assert "heeft de escalatie ontvangen" in anna.look()
    assert "Alleen de directeur of adjunct" in anna.type("/opgelost 1 klaar")
    assert "Schrijf er een notitie bij" in director.type("/opgelost 1")
    assert "opgelost" in director.type("/opgelost 1 Ouders gebeld, berichten weg")
    assert "Opgelost door Directeur Kofschip: Ouders gebeld" in anna.look()


def test_check_command_does_not_send_anything(ctx: Context) -> None:
    anna = Terminal(ctx, ANNA)
    found = anna.type("/controleer Wat een kutschool, die ouders van Sem uit groep 5")
    assert "A.7" in found
    assert Terminal(ctx, DIRECTOR).look() == ""


def test_an_unplaced_person_picks_a_school(ctx: Context) -> None:
    stranger = Terminal(ctx, "nieuw@gmail.example")
    asked = stranger.type("/escalate")
    assert "Bij welke school" in asked or "Which school" in asked
    assert "[2] De Regenboog" in asked
    follow = stranger.type("2")
    assert "De Regenboog" in follow
    assert "Link(s)" in follow
    assert take_unread(ctx.store, "nieuw@gmail.example", ctx.clock.now()) == []
