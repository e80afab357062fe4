"""The terminal chat: the embedded default channel, no tokens and no network.

It reads one line at a time, so it works interactively and with piped input. Buttons are shown
as numbered choices; typing the number presses the button.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TextIO

from bot.assistant import Assistant
from bot.models import Button, IncomingMessage, Lang, Reply, UserRef

EXIT_WORDS = frozenset({"exit", "quit", "stop", "doei", "/exit", "/quit"})
WIDTH = 88

ButtonHandler = Callable[[Button, Lang], Reply | None]

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
    ) -> None:
        self.assistant = assistant
        self.user = user or UserRef(platform="console", user_id="console")
        self.on_button = on_button
        self._buttons: tuple[Button, ...] = ()
        self._lang: Lang = "nl"

    def respond(self, line: str) -> Reply:
        """The reply to one typed line: a button number, or a question."""
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self._buttons):
            reply = self._press(self._buttons[int(choice) - 1])
        else:
            reply = self.assistant.handle(IncomingMessage(text=line, user=self.user))
        self._buttons = reply.buttons
        self._lang = reply.lang
        return reply

    def _press(self, button: Button) -> Reply:
        if button.action == "show_clause":
            return self.assistant.show_clause(button.value, self._lang)
        handled = self.on_button(button, self._lang) if self.on_button else None
        return handled or Reply(kind="notice", lang=self._lang, text=NOT_WIRED[self._lang])

    def run(self, stdin: TextIO, stdout: TextIO, *, prompt: str = "> ") -> int:
        """Converse until EOF or an exit word; returns the process exit code."""
        stdout.write(WELCOME + "\n")
        while True:
            stdout.write(prompt)
            stdout.flush()
            line = stdin.readline()
            if not line or line.strip().lower() in EXIT_WORDS:
                stdout.write("\nTot ziens! / Goodbye!\n")
                return 0
            stdout.write(render(self.respond(line.rstrip("\n"))) + "\n\n")
