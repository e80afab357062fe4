"""`policybot chat` in a real terminal (a pty) and with piped input, in a subprocess.

In a terminal the line is read with readline: the Up arrow brings back the last line instead of
printing ^[[A. Piped input is read line by line as before, with no line editing.
"""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from adapters.console.chat import uses_line_editing
from tests.workflows.conftest import ANNA, ORG_FILE

ROOT = Path(__file__).resolve().parents[2]
UP = "\x1b[A"
PROMPT = "\n> "
HELP_LINE = "/verzoeken (/requests)"  # one line of the command list /help shows


def chat_env(db: Path) -> dict[str, str]:
    return {
        **os.environ,  # keeps POLICYBOT_MODEL_CACHE (tests/conftest.py): no retraining
        "DATABASE_URL": f"sqlite:///{db}",
        "POLICYBOT_ORG": str(ORG_FILE),
        "TERM": "xterm",
    }


class Terminal:
    """`policybot chat` on the slave side of a pty; the test types on the master side."""

    def __init__(self, db: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat", "--user", ANNA],
            stdin=slave,
            stdout=slave,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=chat_env(db),
            start_new_session=True,
        )
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, *, count: int = 1, timeout: float = 60.0) -> str:
        """Read what the chat prints until `text` has appeared `count` times."""
        deadline = time.monotonic() + timeout
        while self.screen.count(text) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} did not appear {count}×; the screen:\n{self.screen}"
            if select.select([self.master], [], [], min(left, 0.5))[0]:
                self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
        return self.screen

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        self.type("exit\r")
        try:
            return self.process.wait(timeout=30)
        finally:
            os.close(self.master)
            if self.process.stderr is not None:
                self.process.stderr.close()


def test_the_up_arrow_brings_back_the_last_line_in_a_terminal(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path / "tty.db")
    try:
        terminal.read_until(PROMPT)
        terminal.type("/help\r")
        terminal.read_until(HELP_LINE)
        terminal.read_until(PROMPT, count=2)  # a key typed before the prompt is the tty's
        terminal.type(UP + "\r")  # the last line again, edited by readline
        screen = terminal.read_until(HELP_LINE, count=2)
    finally:
        code = terminal.close()
    assert "^[[A" not in screen
    assert code == 0


def test_piped_input_is_read_line_by_line_without_line_editing(tmp_path: Path) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--user", ANNA],
        input=f"/help\n{UP}\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=chat_env(tmp_path / "pipe.db"),
        timeout=120,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.count(HELP_LINE) == 1  # the arrow is only text here, no history
    assert "Tot ziens! / Goodbye!" in piped.stdout


def test_line_editing_is_only_for_the_process_terminal() -> None:
    assert not uses_line_editing(io.StringIO(), io.StringIO())
    assert not uses_line_editing(sys.stdin, io.StringIO())
