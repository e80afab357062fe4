"""`policybot serve` and `policybot dispatch` wire the database-backed Slack pieces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import adapters.server
from adapters.slack.chat_port import SlackPort
from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from bot.cli import main
from bot.cli_workflows import _slack_dispatcher
from bot.settings import load_settings


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env file from the checkout
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "test-signing-secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")


@pytest.mark.usefixtures("slack_env")
@pytest.mark.parametrize(("flags", "background"), [([], 1), (["--socket-mode"], 2)])
def test_serve_uses_the_database_and_runs_the_dispatcher(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], background: int
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-test")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(adapters.server, "run_server", lambda **kwargs: seen.update(kwargs))

    assert main(["serve", "--host", "127.0.0.1", *flags]) == 0

    assert isinstance(seen["deduplicator"], DbEventDeduplicator)
    assert isinstance(seen["feedback"], DbFeedback)
    assert seen["workflows"].ctx.settings.platforms == ("slack",)
    assert len(seen["background"]) == background


@pytest.mark.usefixtures("slack_env")
def test_dispatch_delivers_to_slack_when_a_bot_token_is_set() -> None:
    dispatcher = _slack_dispatcher(load_settings())

    assert dispatcher is not None
    assert isinstance(dispatcher.ports["slack"], SlackPort)
    assert "console" in dispatcher.ports


def test_dispatch_without_slack_stays_on_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")

    assert _slack_dispatcher(load_settings()) is None
