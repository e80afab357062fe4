"""The workflow subcommands of `policybot`: chat as a person, requests, dispatch, db, record.

policybot chat [--user EMAIL]          the terminal chat, as someone from the org file
policybot requests list [--status S] [--json] | requests show ID
policybot check-draft FILE|-           the draft check's findings
policybot dispatch [--once]            deliver the outbox and fire reminders
policybot db upgrade                   apply the migrations (DATABASE_URL)
policybot purge                        blank texts older than POLICYBOT_RETENTION_DAYS
policybot record export --user EMAIL [--out FILE]
policybot org check [FILE]             validate the organisation file
policybot report [--since DATE] [--html FILE] [--json]   questions, feedback, workflow times
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.assistant import Assistant
from bot.cli_parsers import REPORT_DAYS
from bot.clock import as_utc
from bot.draftcheck import Draft, check_draft, format_findings
from bot.knowledge import DEFAULT_SCHOOL, KnowledgeError
from bot.models import Reply, UserRef
from bot.org import DEFAULT_TIMEZONE, load_org
from bot.runtime import backoff, build_context
from bot.settings import Settings, database_url_variable
from bot.store.db import make_engine, normalise_url, upgrade
from bot.workflows.base import Actor, Context, school_of
from bot.workflows.queries import RequestSummary, all_requests, detail_text
from bot.workflows.record import UnknownPersonError, export_record, purge

if TYPE_CHECKING:
    from bot.report import Report

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def run_workflow_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one workflow subcommand."""
    handlers: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
        "requests": cmd_requests,
        "check-draft": cmd_check_draft,
        "dispatch": cmd_dispatch,
        "db": cmd_db_upgrade,
        "purge": cmd_purge,
        "record": cmd_record,
        "org": cmd_org_check,
        "report": cmd_report,
    }
    try:
        return handlers[args.command](args, settings)
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    except OperationalError as exc:
        return database_failure(exc, settings)


def database_failure(exc: OperationalError, settings: Settings) -> int:
    """One line naming the variable and the server (never the password), then exit 1."""
    problem = database_problem(settings.database_url)
    print(f"{database_url_variable()}: {problem}: {_driver_reason(exc)}", file=sys.stderr)
    return EXIT_FAIL


def database_problem(database_url: str | None) -> str:
    """What failed, naming the server (host:port) or the SQLite file."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        where = url.database or ":memory:"
        return f"fout in de database {where} / the database {where} failed"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"geen verbinding met de database op {where} / cannot connect to the database at {where}"


def _driver_reason(exc: OperationalError) -> str:
    """The driver's last words on its first line ("Connection refused")."""
    first = (str(exc.orig or exc).splitlines() or [""])[0]
    return first.rsplit(": ", 1)[-1].strip()


def cmd_requests(args: argparse.Namespace, settings: Settings) -> int:
    """`requests list` and `requests show ID` (the operator's view: every school)."""
    ctx = build_context(settings)
    if args.requests_command == "show":
        return _show(ctx, args.id)
    items = all_requests(ctx, status=args.status)
    if args.json:
        print(json.dumps([item.to_json() for item in items], ensure_ascii=False, indent=2))
        return EXIT_OK
    for item in items:
        print(
            f"#{item.id}\t{item.kind}\t{item.status}\t{item.requester}\t"
            f"{item.assignee or '-'}\t{item.school}\t{local_time(ctx, item)}"
        )
    if not items:
        print("geen verzoeken / no requests")
    return EXIT_OK


def local_time(ctx: Context, item: RequestSummary) -> str:
    """When `item` was made, in its school's zone, with the zone named: 2026-12-07 14:05 CET."""
    return _in_zone(item.created_at, school_zone(ctx, item.school))


def school_zone(ctx: Context, school_id: str) -> ZoneInfo:
    """The zone of the school in the org file; Europe/Amsterdam for a school no longer there."""
    try:
        return ctx.org.school(school_id).hours.zone
    except KeyError:
        return ZoneInfo(DEFAULT_TIMEZONE)


def _in_zone(moment: datetime, zone: ZoneInfo) -> str:
    return as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _show(ctx: Context, request_id: int) -> int:
    from bot.store.models import RequestRow

    with ctx.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        if row is None:
            print(
                f"Verzoek #{request_id} bestaat niet. / Request #{request_id} does not exist.",
                file=sys.stderr,
            )
            return EXIT_FAIL
        print(detail_text(session, ctx, row).nl)
    return EXIT_OK


def cmd_check_draft(args: argparse.Namespace, settings: Settings) -> int:
    """Print the draft check's findings for a file or stdin."""
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"policybot check-draft: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAIL
    school = settings.school or DEFAULT_SCHOOL
    print(format_findings(check_draft(Draft(text=text), school=school), args.lang))
    return EXIT_OK


def cmd_dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Deliver the outbox and fire reminders: once, or until interrupted."""
    from adapters.workers import worker_dispatcher

    dispatcher = worker_dispatcher(settings)
    if args.once:
        print(f"{dispatcher.run_once()} item(s) handled")
        return EXIT_OK
    with contextlib.suppress(KeyboardInterrupt):
        dispatcher.run(interval=settings.poll_seconds)
    return EXIT_OK


def cmd_db_upgrade(_args: argparse.Namespace, settings: Settings) -> int:
    """Apply the migrations to DATABASE_URL (SQLite: ./var/policybot.db)."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"database at the newest migration ({engine.dialect.name})")
    engine.dispose()
    return EXIT_OK


def cmd_purge(_args: argparse.Namespace, settings: Settings) -> int:
    """Blank personal texts older than the retention period."""
    report = purge(build_context(settings), settings.retention_days)
    print(
        f"purged after {settings.retention_days} days: {report.requests} request(s), "
        f"{report.notes} note(s), {report.messages} message(s), {report.questions} question(s)"
    )
    return EXIT_OK


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report as text or JSON; with --html, write the page with charts instead."""
    from bot.report import build_report, render_text

    ctx = build_context(settings)
    moment = ctx.clock.now()
    if args.since is not None and args.since > moment:
        return _since_in_the_future(args.since, moment)
    report = build_report(
        ctx.store,
        ctx.knowledge_for(settings.school),
        since=args.since or moment - timedelta(days=REPORT_DAYS),
        now=moment,
        retention_days=settings.retention_days,
        school_names={school.id: school.name for school in ctx.org.schools},
    )
    if args.json:
        print(json.dumps(dataclasses.asdict(report), default=str, ensure_ascii=False, indent=2))
    elif not args.html:
        sys.stdout.write(render_text(report))
    return _write_html(report, args.html) if args.html else EXIT_OK


def _since_in_the_future(since: datetime, moment: datetime) -> int:
    day, today = f"{since:%Y-%m-%d}", f"{moment:%Y-%m-%d %H:%M} UTC"
    print(
        f"policybot report: --since {day} ligt in de toekomst (nu: {today}); "
        f"kies een eerdere datum / is in the future (now: {today}); choose an earlier date",
        file=sys.stderr,
    )
    return EXIT_FAIL


def _write_html(report: Report, path: Path) -> int:
    from bot.report_html import render_html  # matplotlib: only when a page is asked for

    return _write_file("report", path, render_html(report))


def _write_file(command: str, path: Path, text: str) -> int:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"policybot {command}: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAIL
    print(f"written: {path}", file=sys.stderr)
    return EXIT_OK


def cmd_record(args: argparse.Namespace, settings: Settings) -> int:
    """Write a person's record as Markdown; an unknown person is an error."""
    try:
        text = export_record(build_context(settings), args.user)
    except UnknownPersonError as exc:
        print(f"policybot record export: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.out:
        return _write_file("record export", args.out, text)
    sys.stdout.write(text)
    return EXIT_OK


def cmd_org_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the organisation file and print every problem."""
    try:
        org = load_org(args.file or settings.org)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return EXIT_FAIL
    print(f"ok: {len(org.schools)} school(s), {len(org.people)} people")
    return EXIT_OK


# --- the terminal chat as a person ------------------------------------------------------------


def chat_user(ctx: Context, email: str | None) -> UserRef:
    """The person to act as: --user, else the org file's demo user."""
    chosen = (email or ctx.org.demo_user or "console@localhost").strip().lower()
    person = ctx.org.person_or_guest(chosen)
    return UserRef(
        platform="console", user_id=person.email, display_name=person.name, email=person.email
    )


def school_name(ctx: Context, email: str) -> str | None:
    """The school of `email`, for filling {school} in the protocol."""
    with ctx.store.transaction() as session:
        school = school_of(session, ctx, email)
    return school.name if school else None


def run_chat(
    settings: Settings, assistant_for: Callable[[str | None], Assistant], user: str | None
) -> int:
    """The terminal chat with workflows and notifications, as `user`."""
    try:
        return _chat(settings, assistant_for, user)
    except OperationalError as exc:
        return database_failure(exc, settings)


def _chat(
    settings: Settings, assistant_for: Callable[[str | None], Assistant], user: str | None
) -> int:
    from adapters.console.chat import ConsoleChat
    from adapters.console.port import ConsolePort, take_unread
    from bot.conversation import conversations_for
    from bot.dispatcher import Dispatcher
    from bot.questions import DbQuestionLog, recent_clause_counts
    from bot.reload import ReloadableAssistant
    from bot.suggestions import CachedPopularity
    from bot.workflows.commands import CommandSession

    ctx = build_context(settings)
    ref = chat_user(ctx, user)
    email = ref.email or ref.user_id
    person = ctx.org.person_or_guest(email)
    dispatcher = Dispatcher(ctx, {"console": ConsolePort(ctx.clock)}, backoff=backoff(settings))

    def notifications() -> list[Reply]:
        dispatcher.run_once()
        return [
            Reply(kind="notice", lang=person.lang, text=m.text, buttons=m.buttons)
            for m in take_unread(ctx.store, email, ctx.clock.now())
        ]

    # The terminal's questions are logged like Slack's and Teams' (`policybot report`).
    answering = assistant_for(school_name(ctx, email))
    answering.popularity = CachedPopularity(recent_clause_counts(ctx.store))
    assistant = ReloadableAssistant(
        answering,
        questions=DbQuestionLog(ctx.store),
        conversations=conversations_for(settings.conversation_minutes),
    )
    session = CommandSession(ctx, Actor(email, "console"), lang=person.lang)
    chat = ConsoleChat(
        assistant,
        user=ref,
        commands=session,
        notifications=notifications,
        poll_seconds=settings.poll_seconds,
    )
    print(f"Je bent / you are: {ref.display_name} <{email}> — /help")
    return chat.run(sys.stdin, sys.stdout, prompt="> " if sys.stdin.isatty() else "")
