"""The `policybot` console script."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.assistant import Assistant, answer_for
from bot.cli_parsers import WORKFLOW_COMMANDS, add_workflow_commands
from bot.evaluation import evaluate, format_report, load_question_set
from bot.knowledge import KnowledgeError, load_knowledge
from bot.logs import configure_logging
from bot.matching import Index, MatcherConfig, build_index, match
from bot.models import IncomingMessage, Knowledge, Lang, Reply, UserRef
from bot.settings import Settings, SettingsError, load_settings
from bot.text import clean

if TYPE_CHECKING:  # the adapters are imported late: `ask` and `eval` must start fast
    import socket

    from adapters.ops import ServeOptions
    from adapters.slack.settings import SlackSettings
    from adapters.teams.settings import TeamsSettings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="policybot", description="Social-media protocol assistant for school staff."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="talk to the assistant in the terminal")
    chat.add_argument("--user", metavar="EMAIL", help="act as this person (default: demo user)")
    ask = sub.add_parser("ask", help="answer one question, or a batch")
    ask.add_argument("question", nargs="*", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--lang", choices=["nl", "en"], help="answer in this language")
    ask.add_argument("--batch", metavar="FILE", help="one question per line; '-' is stdin")
    ev = sub.add_parser("eval", help="measure accuracy on a question set")
    ev.add_argument("files", nargs="+", type=Path, help="YAML list of {q, expect}")
    ev.add_argument("--quiet", action="store_true", help="only the figures, not the misses")
    knowledge = sub.add_parser("knowledge", help="knowledge file tools")
    knowledge_sub = knowledge.add_subparsers(dest="knowledge_command", required=True)
    check = knowledge_sub.add_parser(
        "check", help="validate the knowledge files and cross-validate the matcher on them"
    )
    check.add_argument("--dir", type=Path, help="the knowledge folder (default: bundled)")
    check.add_argument(
        "--no-cv", action="store_true", help="validate only; skip the cross-validation"
    )
    build = knowledge_sub.add_parser("build", help="train the matcher model into the cache")
    build.add_argument("--dir", type=Path, help="the knowledge folder (default: bundled)")
    knowledge_sub.add_parser(
        "review", help="turn unanswered questions into phrasings or out-of-scope examples"
    )
    serve = sub.add_parser("serve", help="run the web server: Slack, Teams and the health check")
    serve.add_argument(
        "--host", default="0.0.0.0", help="address to listen on (PORT sets the port)"
    )
    serve.add_argument(
        "--socket-mode", action="store_true", help="take Slack events over Socket Mode"
    )
    config = sub.add_parser("config", help="settings tools")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_sub.add_parser("check", help="validate every setting and say what is enabled")
    package = sub.add_parser("teams-package", help="write the Microsoft Teams app package (zip)")
    package.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (a GUID)")
    package.add_argument("--out", type=Path, default=Path("build/policybot-teams.zip"))
    add_workflow_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader went away (`policybot ask ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    if args.command == "config":
        return cmd_config_check()
    if args.command == "serve":
        return cmd_serve_checked(host=args.host, socket_mode=args.socket_mode)
    try:
        settings = load_settings()
        if args.command == "teams-package":
            return cmd_teams_package(args.app_id, args.out)
        if args.command == "knowledge":
            return cmd_knowledge(args, settings)
        if args.command in WORKFLOW_COMMANDS:
            from bot.cli_workflows import run_workflow_command  # the database stack: load late

            return run_workflow_command(args, settings)
        if args.command == "chat":
            return cmd_chat(settings, args.user)
        knowledge = _load(settings)
        index = build_index(knowledge, _config(settings))
    except (SettingsError, KnowledgeError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    if args.command == "ask":
        return cmd_ask(args, Assistant(knowledge, index=index))
    return cmd_eval(args.files, index, quiet=args.quiet)


def _load(settings: Settings, school: str | None = None) -> Knowledge:
    return load_knowledge(
        settings.knowledge_dir, school=school or settings.school, foundation=settings.foundation
    )


def _config(settings: Settings) -> MatcherConfig:
    config = MatcherConfig()
    return (
        replace(config, threshold=settings.threshold) if settings.threshold is not None else config
    )


def _assistant(settings: Settings) -> Assistant:
    """Load and index the knowledge (KnowledgeError when invalid)."""
    knowledge = _load(settings)
    return Assistant(knowledge, index=build_index(knowledge, _config(settings)))


def cmd_config_check() -> int:
    """Validate every settings group; print "ok" and what is enabled, or every problem."""
    from adapters.config import load_all_settings, summary

    try:
        settings = load_all_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    print("ok")
    for line in summary(settings):
        print(f"  {line}")
    return EXIT_OK


def cmd_serve_checked(*, host: str, socket_mode: bool = False) -> int:
    """Validate every setting, set up the logs, load the knowledge, then serve."""
    from adapters.config import load_all_settings, socket_mode_problem

    try:
        settings = load_all_settings()
        problem = socket_mode_problem(settings.slack) if socket_mode else None
        if problem is not None:
            raise SettingsError(f"policybot serve --socket-mode: {problem}")
        configure_logging(settings.core.log_format)
        assistant = _assistant(settings.core)
    except (SettingsError, KnowledgeError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    workers = settings.core.web_concurrency
    if workers > 1 and not socket_mode:
        return _serve_in_workers(assistant, settings.core, host, settings.slack.port)
    return cmd_serve(assistant, settings.core, host=host, socket_mode=socket_mode)


def _serve_in_workers(assistant: Assistant, settings: Settings, host: str, port: int) -> int:
    """WEB_CONCURRENCY forked web workers on one socket (adapters/web_workers.py).

    The knowledge is loaded and SQLite migrated once, before the fork; everything with a
    thread or a connection is made in each worker.
    """
    from adapters.web_workers import bind_listening_socket, serve_in_workers
    from bot.store.db import Store, is_sqlite, normalise_url

    url = normalise_url(settings.database_url)
    if is_sqlite(url):
        Store.open(url).dispose()  # migrates
    try:
        sock = bind_listening_socket(host, port)
    except OSError as exc:
        print(f"policybot serve: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAIL
    return serve_in_workers(
        settings.web_concurrency,
        sock,
        lambda shared: cmd_serve(assistant, settings, host=host, sock=shared),
    )


def cmd_serve(
    assistant: Assistant,
    settings: Settings,
    *,
    host: str,
    socket_mode: bool = False,
    sock: socket.socket | None = None,
) -> int:
    """Run the aiohttp server until SIGINT/SIGTERM (the composition root for the adapters).

    With Slack configured, the workflows, the database-backed event de-duplication and
    feedback, and the outbox dispatcher run in this process too (adapters/slack/service.py).
    Readiness, hot reload and the shutdown timeout come from adapters/ops.py.
    """
    from adapters.ops import serve_options
    from adapters.server import CannotListen
    from adapters.slack.settings import load_slack_settings
    from adapters.teams.settings import load_teams_settings

    slack, teams = load_slack_settings(), load_teams_settings()
    reloadable, options = serve_options(settings, assistant, lambda: _assistant(settings))
    options = replace(options, sock=sock)
    try:
        _serve_platforms(reloadable, settings, slack, teams, options, host, socket_mode)
    except KnowledgeError as exc:  # the org file is broken and Slack's workflows need it
        print(exc, file=sys.stderr)
        return EXIT_FAIL
    except CannotListen as exc:  # the port is taken (or not allowed)
        print(f"policybot serve: {exc}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def _serve_platforms(
    assistant: Assistant,
    settings: Settings,
    slack: SlackSettings,
    teams: TeamsSettings,
    options: ServeOptions,
    host: str,
    socket_mode: bool,
) -> None:
    """Slack (with its workflows) when configured, and Teams, on one aiohttp server; a
    platform that is not configured answers 503."""
    from adapters.slack.service import serve
    from adapters.teams.service import serve as serve_teams

    if slack.slack_enabled or (socket_mode and slack.slack_bot_token):
        serve(
            assistant,
            settings,
            slack,
            host=host,
            socket_mode=socket_mode,
            teams_settings=teams,
            options=options,
        )
    else:
        serve_teams(assistant, settings, slack, teams, host=host, options=options)


def cmd_teams_package(app_id: str, out: Path) -> int:
    """Write the Teams app package with the app id filled in."""
    from adapters.teams.package import build_teams_package

    try:
        written = build_teams_package(app_id, out)
    except (ValueError, OSError) as exc:
        print(f"policybot teams-package: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(f"wrote {written}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return EXIT_OK


def cmd_knowledge(args: argparse.Namespace, settings: Settings) -> int:
    """`knowledge check` and `knowledge build` (bot/cli_knowledge.py)."""
    from bot.cli_knowledge import cmd_knowledge_build, cmd_knowledge_check, cmd_knowledge_review

    if args.knowledge_command == "review":
        return cmd_knowledge_review(settings)
    folder = args.dir or settings.knowledge_dir
    if args.knowledge_command == "build":
        return cmd_knowledge_build(folder, school=settings.school, foundation=settings.foundation)
    return cmd_knowledge_check(folder, cross_validation=not args.no_cv)


def cmd_chat(settings: Settings, user: str | None) -> int:
    """Run the terminal conversation on stdin/stdout, as `user` (default: the demo user).

    The protocol's {school} is the user's school; workflow commands and notifications use the
    database (DATABASE_URL, default ./var/policybot.db, migrated on first use).
    """

    from bot.cli_workflows import run_chat  # the database stack: load late

    def assistant_for(school: str | None) -> Assistant:
        knowledge = _load(settings, school)
        return Assistant(knowledge, index=build_index(knowledge, _config(settings)))

    return run_chat(settings, assistant_for, user)


def cmd_ask(args: argparse.Namespace, assistant: Assistant) -> int:
    """Answer one question or a batch, as text or JSON lines."""
    if args.batch and args.question:
        print("policybot ask: give a question or --batch, not both", file=sys.stderr)
        return EXIT_USAGE
    questions = _batch_questions(args.batch) if args.batch else iter([" ".join(args.question)])
    try:
        _answer_all(questions, args, assistant)
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"policybot ask: cannot read {args.batch}: {exc}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def _answer_all(questions: Iterator[str], args: argparse.Namespace, assistant: Assistant) -> None:
    for question in questions:
        if args.json:
            print(json.dumps(ask_json(question, assistant.index, args.lang), ensure_ascii=False))
        else:
            from adapters.console.chat import render

            print(render(_text_reply(question, assistant, args.lang)) + "\n")
        sys.stdout.flush()


def _text_reply(question: str, assistant: Assistant, lang: Lang | None) -> Reply:
    return assistant.handle(IncomingMessage(question, UserRef("cli", "cli"), lang=lang))


def _batch_questions(source: str) -> Iterator[str]:
    stream: TextIO = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    with stream:
        for line in stream:
            yield line.rstrip("\r\n")


def ask_json(question: str, index: Index, lang: Lang | None) -> dict[str, object]:
    """The JSON object for one question (see the README for the fields)."""
    result = match(question, index, lang=lang)
    best = result.best
    clause = None if result.abstained or best is None else index.knowledge.clause(best.clause_id)
    answer_lang: Lang = lang or result.lang
    others = result.matches[1:] if clause else result.matches
    return {
        "question": clean(question).text,
        "clause": clause.id if clause else None,
        "score": best.confidence if best else 0.0,
        "answer": answer_for(clause, result.question).get(answer_lang) if clause else None,
        "alternatives": [{"clause": m.clause_id, "score": m.confidence} for m in others],
        "action": clause.action if clause else None,
        "lang": answer_lang,
    }


def cmd_eval(files: Sequence[Path], index: Index, *, quiet: bool) -> int:
    """Evaluate each question set and print its figures (and misses)."""
    for path in files:
        try:
            items = load_question_set(path)
        except KnowledgeError as exc:
            print(exc, file=sys.stderr)
            return EXIT_FAIL
        report = evaluate(items, index)
        if quiet:
            report.misses.clear()
        print(format_report(report, name=str(path)) + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
