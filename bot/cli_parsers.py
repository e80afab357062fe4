"""The workflow subcommands' arguments, apart from their (heavier) implementations.

`policybot ask` and `eval` must start fast: they never import the database stack, which
`bot.cli_workflows` pulls in.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

WORKFLOW_COMMANDS = (
    "requests",
    "check-draft",
    "dispatch",
    "db",
    "purge",
    "record",
    "org",
    "report",
)
REPORT_DAYS = 30
STATUSES = (
    "submitted",
    "waiting",
    "approved",
    "advised_against",
    "talk",
    "withdrawn",
    "expired",
    "open",
    "acknowledged",
    "resolved",
)


def add_workflow_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the workflow subcommands to the `policybot` parser."""
    requests = sub.add_parser("requests", help="list or show doubt checks and escalations")
    requests_sub = requests.add_subparsers(dest="requests_command", required=True)
    listing = requests_sub.add_parser("list", help="every request, oldest first")
    listing.add_argument("--status", choices=STATUSES, help="only requests with this status")
    listing.add_argument("--json", action="store_true", help="one JSON array")
    show = requests_sub.add_parser("show", help="one request in detail")
    show.add_argument("id", type=int)
    check = sub.add_parser("check-draft", help="which clauses a draft may touch")
    check.add_argument("file", help="the draft's text; '-' is stdin")
    check.add_argument("--lang", choices=["nl", "en"], default="nl")
    dispatch = sub.add_parser("dispatch", help="deliver notifications and fire reminders")
    dispatch.add_argument("--once", action="store_true", help="one round, then stop")
    db = sub.add_parser("db", help="database tools")
    db.add_subparsers(dest="db_command", required=True).add_parser("upgrade", help="migrate")
    sub.add_parser("purge", help="blank personal texts after the retention period")
    record = sub.add_parser("record", help="a person's record (protocol S.1)")
    export = record.add_subparsers(dest="record_command", required=True).add_parser("export")
    export.add_argument("--user", required=True, metavar="EMAIL")
    export.add_argument("--out", type=Path, help="write to this file instead of stdout")
    add_report_command(sub)
    org = sub.add_parser("org", help="organisation file tools")
    org_check = org.add_subparsers(dest="org_command", required=True).add_parser("check")
    org_check.add_argument("file", nargs="?", type=Path, help="default: POLICYBOT_ORG")


def add_report_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`policybot report [--since DATE] [--html FILE] [--json]`."""
    report = sub.add_parser("report", help="what staff ask; how doubt checks and escalations go")
    report.add_argument(
        "--since",
        type=start_of_day,
        metavar="YYYY-MM-DD",
        help=f"the first day to include (default: the last {REPORT_DAYS} days)",
    )
    report.add_argument("--html", type=Path, metavar="FILE", help="also write an HTML page")
    report.add_argument("--json", action="store_true", help="print JSON instead of text")


def start_of_day(value: str) -> datetime:
    """A YYYY-MM-DD argument as the start of that day in UTC."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
