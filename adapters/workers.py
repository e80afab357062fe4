"""Composition for `policybot dispatch`: one worker delivering to every configured platform."""

from __future__ import annotations

from adapters.console.port import ConsolePort
from adapters.slack.service import slack_context, slack_ports
from adapters.slack.settings import SlackSettings, load_slack_settings
from adapters.teams.service import teams_ports, with_teams
from adapters.teams.settings import TeamsSettings, load_teams_settings
from bot.dispatcher import Dispatcher
from bot.ports import ChatPort
from bot.runtime import backoff, build_context
from bot.settings import Settings
from bot.workflows.base import Context


def delivery_ports(
    ctx: Context, *, slack: SlackSettings | None = None, teams: TeamsSettings | None = None
) -> dict[str, ChatPort]:
    """The ports a dispatcher delivers through: the console inbox, and each platform given."""
    ports: dict[str, ChatPort] = {"console": ConsolePort(ctx.clock)}
    if slack is not None:
        ports.update(slack_ports(ctx, slack))
    if teams is not None:
        ports.update(teams_ports(ctx, teams))
    return ports


def worker_dispatcher(settings: Settings) -> Dispatcher:
    """The console inbox always; Slack with SLACK_BOT_TOKEN; Teams when it is enabled
    (MICROSOFT_APP_ID, or POLICYBOT_TEAMS_INSECURE_LOCAL=1 for loopback only).

    `policybot serve` runs the same dispatcher in the background; several may run beside it,
    since due rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL.
    """
    slack, teams = load_slack_settings(), load_teams_settings()
    use_slack, use_teams = slack.slack_bot_token is not None, teams.teams_enabled
    ctx = slack_context(settings) if use_slack else build_context(settings)
    if use_teams:
        ctx = with_teams(ctx)
    ports = delivery_ports(
        ctx, slack=slack if use_slack else None, teams=teams if use_teams else None
    )
    return Dispatcher(ctx, ports, backoff=backoff(settings))
