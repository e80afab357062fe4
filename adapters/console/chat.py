"""The terminal chat: the embedded default channel, no tokens and no network.

It reads one line at a time, so it works interactively and with piped input. In a terminal the
line is read with the standard library's `readline`: the arrow keys edit the line and bring back
earlier ones. That history is kept in memory only, so no question is ever written to disk.

Buttons are shown as numbered choices; typing a number presses a button of the last message
that had choices. A bare number with no choice to press gets a short notice, never the matcher.
With a `CommandSession` it also takes the workflow commands (/twijfel, /akkoord 12, ...), and
with a `notifications` callable it shows a person's notifications when the chat starts and
between lines (in a terminal, also while it waits for the first key of a line).
"""

from __future__ import annotations

import select
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from bot.assistant import Assistant
from bot.models import Button, IncomingMessage, Lang, Reply, UserRef
from bot.suggestions import ASK

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
NO_CHOICES = {
    "nl": "Er is nu niets om te kiezen. Typ je vraag in woorden, of /help voor de commando's.",
    "en": "There is nothing to choose right now. Type your question in words, or /help for "
    "the commands.",
}
OUT_OF_RANGE = {
    "nl": "Kies een nummer van 1 tot en met {count}.",
    "en": "Pick a number from 1 to {count}.",
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
        self._lang: Lang = commands.lang if commands else "nl"
        # One terminal session is one conversation (the context of follow-up questions).
        self.conversation = f"console:{uuid.uuid4().hex}"

    def respond(self, line: str) -> Reply:
        """The reply to one typed line: a button number, a command, or a question."""
        choice = line.strip()
        number = int(choice) if choice.isascii() and choice.isdigit() else None
        if number is not None and 1 <= number <= len(self._buttons):
            reply = self._press(self._buttons[number - 1])
        elif self.commands is not None and self.commands.wants(line):
            reply = self.commands.handle(line)
        elif number is not None:
            return self._no_such_choice()  # the choices stay: the next number may fit
        else:
            reply = self._ask(line)
        self._buttons = reply.buttons
        self._lang = reply.lang
        return reply

    def _no_such_choice(self) -> Reply:
        if self._buttons:
            text = OUT_OF_RANGE[self._lang].format(count=len(self._buttons))
        else:
            text = NO_CHOICES[self._lang]
        return Reply(kind="notice", lang=self._lang, text=text, buttons=self._buttons)

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
                self._buttons, self._lang = note.buttons, note.lang
        return "".join(f"{text}\n\n" for text in shown)

    def _ask(self, question: str) -> Reply:
        message = IncomingMessage(text=question, user=self.user, conversation=self.conversation)
        return self._with_hint(self.assistant.handle(message))

    def _press(self, button: Button) -> Reply:
        if button.action == "show_clause":
            return self.assistant.show_clause(button.value, self._lang)
        if button.action == ASK:  # a suggested next question: asked as if typed
            return self._ask(button.value)
        handled = self.on_button(button, self._lang) if self.on_button else None
        return handled or Reply(kind="notice", lang=self._lang, text=NOT_WIRED[self._lang])

    def run(self, stdin: TextIO, stdout: TextIO, *, prompt: str = "> ") -> int:
        """Converse until EOF or an exit word; returns the process exit code."""
        read = self._line_reader(stdin, stdout)
        stdout.write(WELCOME + "\n")
        stdout.write(self.pending_notifications())
        while True:
            line = read(prompt)
            if line is None or line.strip().lower() in EXIT_WORDS:
                stdout.write("\nTot ziens! / Goodbye!\n")
                return 0
            stdout.write(render(self.respond(line.rstrip("\n"))) + "\n\n")
            stdout.write(self.pending_notifications())

    def _line_reader(self, stdin: TextIO, stdout: TextIO) -> Callable[[str], str | None]:
        """How lines are read: with line editing in a terminal, else plainly (pipes, tests)."""
        if uses_line_editing(stdin, stdout):
            return lambda prompt: self._edited_line(stdin, stdout, prompt)
        return lambda prompt: self._plain_line(stdin, stdout, prompt)

    def _plain_line(self, stdin: TextIO, stdout: TextIO, prompt: str) -> str | None:
        """One line as typed or piped; None at the end of the input."""
        stdout.write(prompt)
        stdout.flush()
        if self.notifications is not None and stdin.isatty():
            self._show_notifications_until_input(stdin, stdout, prompt)
        return stdin.readline() or None

    def _edited_line(self, stdin: TextIO, stdout: TextIO, prompt: str) -> str | None:
        """One line read with readline (arrow keys, history); None at the end of the input.

        Until the first key of the line, notifications are shown as they arrive; readline then
        takes that key and the rest of the line.
        """
        if self.notifications is not None:
            with keys_unbuffered(stdin):  # before the prompt: no key typed after it is echoed
                stdout.write(prompt)
                stdout.flush()
                self._show_notifications_until_input(stdin, stdout, prompt)
            stdout.write("\r")  # input() writes the prompt again, over this one
        try:
            return input(prompt)
        except EOFError:
            return None

    def _show_notifications_until_input(self, stdin: TextIO, stdout: TextIO, prompt: str) -> None:
        while not select.select([stdin], [], [], self.poll_seconds)[0]:
            shown = self.pending_notifications()
            if shown:
                stdout.write("\r\n" + shown + prompt)
                stdout.flush()


def uses_line_editing(stdin: TextIO, stdout: TextIO) -> bool:
    """True when the chat runs in a terminal on the process's own stdin and stdout, where
    `input()` uses readline; it is then loaded, with its history in memory only."""
    terminal = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty() and stdout.isatty()
    if not terminal:
        return False
    try:
        import readline
    except ImportError:  # a Python built without it: plain lines still work
        return False
    readline.set_auto_history(True)  # kept in this process; never read from or written to a file
    return True


@contextmanager
def keys_unbuffered(stdin: TextIO) -> Iterator[None]:
    """The terminal hands over each key at once and does not echo it (readline echoes it)."""
    import termios

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    changed = list(saved)
    changed[3] = changed[3] & ~(termios.ICANON | termios.ECHO)
    changed[6] = list(saved[6])
    changed[6][termios.VMIN], changed[6][termios.VTIME] = 1, 0
    termios.tcsetattr(fd, termios.TCSANOW, changed)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)  # TCSANOW keeps the key that was typed
