"""The terminal chat: the embedded default channel, no tokens and no network.

It reads one line at a time, so it works interactively and with piped input. Buttons are shown
as numbered choices; typing the number presses the button. With a `CommandSession` it also takes
the workflow commands (/twijfel, /akkoord 12, ...), and with a `notifications` callable it shows
a person's notifications when the chat starts and between lines (in a terminal, also while it
waits for input).
"""

from __future__ import annotations

import select
import textwrap
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from bot.assistant import Assistant
from bot.models import Button, IncomingMessage, Lang, Reply, UserRef

if TYPE_CHECKING:  # the workflows pull in the database stack; plain answers do not need it
    from bot.workflows.commands import CommandSession

EXIT_WORDS = frozenset({"exit", "quit", "stop", "doei", "/exit", "/quit"})
WIDTH = 88

ButtonHandler = Callable[[Button, Lang], Reply | None]
Notifications = Callable[[], list[Reply]]

WELCOME = (
    "Social-media-protocol assistent — typ je vraag, of 'exit' om te stoppen.\n"
    "Social-media protocol assistant — type your question, or 'exit' to stop."
)
NOT_WIRED = {
    "nl": "Deze stap (je directeur inschakelen) is nog niet ingericht in deze omgeving.",
    "en": "This step (involving your director) is not set up in this environment yet.",
}


def render(reply: Reply) -> str:
    """Plain-text rendering of a reply; buttons become numbered choices."""
    parts = [*reply.notes, reply.text]
    if reply.quote:
        q = reply.quote
        quoted = textwrap.fill(q.text, WIDTH - 4, initial_indent="  > ", subsequent_indent="  > ")
        parts.append(f"{q.number} ({q.section}) — {q.title}\n{quoted}")
    if reply.explanation:
        parts.append(f"  ({reply.explanation})")
    parts += [f"  [{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1)]
    return "\n".join(parts)


class ConsoleChat:
    """One terminal conversation with the assistant."""

    def __init__(
        self,
        assistant: Assistant,
        *,
        user: UserRef | None = None,
        on_button: ButtonHandler | None = None,
        commands: CommandSession | None = None,
        notifications: Notifications | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.assistant = assistant
        self.user = user or UserRef(platform="console", user_id="console")
        self.commands = commands
        self.on_button = on_button or (commands.press if commands else None)
        self.notifications = notifications
        self.poll_seconds = poll_seconds
        self._buttons: tuple[Button, ...] = ()
        self._lang: Lang = "nl"

    def respond(self, line: str) -> Reply:
        """The reply to one typed line: a button number, a command, or a question."""
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self._buttons):
            reply = self._press(self._buttons[int(choice) - 1])
        elif self.commands is not None and self.commands.wants(line):
            reply = self.commands.handle(line)
        else:
            reply = self._with_hint(
                self.assistant.handle(IncomingMessage(text=line, user=self.user))
            )
        self._buttons = reply.buttons
        self._lang = reply.lang
        return reply

    def _with_hint(self, reply: Reply) -> Reply:
        """On B.2/B.3 answers, say which command starts the flow (the button does too)."""
        from bot.workflows.texts import COMMAND_HINT

        if self.commands is None or reply.action not in COMMAND_HINT:
            return reply
        return replace(reply, text=f"{reply.text}\n{COMMAND_HINT[reply.action].get(reply.lang)}")

    def pending_notifications(self) -> str:
        """New notifications as text (their buttons become the numbered choices)."""
        if self.notifications is None:
            return ""
        shown = []
        for note in self.notifications():
            shown.append(render(replace(note, text=f"🔔 {note.text}")))
            if note.buttons:
                self._buttons = note.buttons
        return "".join(f"{text}\n\n" for text in shown)

    def _press(self, button: Button) -> Reply:
        if button.action == "show_clause":
            return self.assistant.show_clause(button.value, self._lang)
        handled = self.on_button(button, self._lang) if self.on_button else None
        return handled or Reply(kind="notice", lang=self._lang, text=NOT_WIRED[self._lang])

    def run(self, stdin: TextIO, stdout: TextIO, *, prompt: str = "> ") -> int:
        """Converse until EOF or an exit word; returns the process exit code."""
        stdout.write(WELCOME + "\n")
        stdout.write(self.pending_notifications())
        while True:
            stdout.write(prompt)
            stdout.flush()
            line = self._read_line(stdin, stdout, prompt)
            if not line or line.strip().lower() in EXIT_WORDS:
                stdout.write("\nTot ziens! / Goodbye!\n")
                return 0
            stdout.write(render(self.respond(line.rstrip("\n"))) + "\n\n")
            stdout.write(self.pending_notifications())

    def _read_line(self, stdin: TextIO, stdout: TextIO, prompt: str) -> str:
        """One line; in a terminal, notifications arriving meanwhile are shown as they come."""
        if self.notifications is None or not stdin.isatty():
            return stdin.readline()
        while not select.select([stdin], [], [], self.poll_seconds)[0]:
            shown = self.pending_notifications()
            if shown:
                stdout.write("\n" + shown + prompt)
                stdout.flush()
        return stdin.readline()
