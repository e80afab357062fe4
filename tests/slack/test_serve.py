"""`policybot serve` and `policybot dispatch` wire the database-backed Slack pieces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import adapters.server
from adapters.slack.chat_port import SlackPort
from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from adapters.teams.chat_port import TeamsChat
from adapters.teams.service import TeamsServing
from adapters.workers import worker_dispatcher
from bot.cli import main
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
    monkeypatch.setenv("POLICYBOT_TEAMS_INSECURE_LOCAL", "1")  # Teams on, without tokens
    seen: dict[str, Any] = {}
    monkeypatch.setattr(adapters.server, "run_server", lambda **kwargs: seen.update(kwargs))

    assert main(["serve", "--host", "127.0.0.1", *flags]) == 0

    assert isinstance(seen["deduplicator"], DbEventDeduplicator)
    assert isinstance(seen["feedback"], DbFeedback)
    assert seen["workflows"].ctx.settings.platforms == ("slack", "teams")
    assert isinstance(seen["teams"], TeamsServing) and seen["teams"].workflows is not None
    assert len(seen["background"]) == background


@pytest.mark.usefixtures("slack_env")
def test_serve_without_teams_settings_leaves_teams_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    monkeypatch.delenv("POLICYBOT_TEAMS_INSECURE_LOCAL", raising=False)
    seen: dict[str, Any] = {}
    monkeypatch.setattr(adapters.server, "run_server", lambda **kwargs: seen.update(kwargs))

    assert main(["serve", "--host", "127.0.0.1"]) == 0

    assert seen["workflows"].ctx.settings.platforms == ("slack",)  # nothing is routed to Teams
    assert isinstance(seen["teams"], TeamsServing) and seen["teams"].workflows is None
    assert not seen["teams"].settings.teams_enabled  # so its route answers 503


@pytest.mark.usefixtures("slack_env")
def test_dispatch_delivers_to_slack_when_a_bot_token_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    dispatcher = worker_dispatcher(load_settings())

    assert isinstance(dispatcher.ports["slack"], SlackPort)
    assert sorted(dispatcher.ports) == ["console", "slack"]


def test_dispatch_without_platforms_stays_on_the_console(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'dispatch.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)

    assert sorted(worker_dispatcher(load_settings()).ports) == ["console"]


@pytest.mark.usefixtures("slack_env")
def test_dispatch_delivers_to_teams_when_an_app_id_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-1111-2222-3333-444444444444")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "secret")

    dispatcher = worker_dispatcher(load_settings())

    assert isinstance(dispatcher.ports["teams"], TeamsChat)
    assert sorted(dispatcher.ports) == ["console", "slack", "teams"]
    assert "teams" in dispatcher.ctx.settings.platforms


def test_serve_without_slack_still_runs_teams_workflows_and_the_dispatcher(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "")
    monkeypatch.setenv("POLICYBOT_TEAMS_INSECURE_LOCAL", "1")  # Teams on, without tokens
    seen: dict[str, Any] = {}
    monkeypatch.setattr(adapters.server, "run_server", lambda **kwargs: seen.update(kwargs))

    assert main(["serve", "--host", "127.0.0.1"]) == 0

    assert isinstance(seen["teams"], TeamsServing) and seen["teams"].workflows is not None
    assert "teams" in seen["teams"].workflows.ctx.settings.platforms
    assert isinstance(seen["teams"].feedback, DbFeedback)
    assert len(seen["background"]) == 1  # the outbox dispatcher
