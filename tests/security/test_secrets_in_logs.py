"""Secrets never in logs: `policybot serve` in a subprocess, driven through failures.

tests/ops/test_logs.py shows that a served question's text and an email address stay out of the
log on the happy path. Here the server holds every secret it can hold (the Slack bot token and
signing secret, the Microsoft app password, a database password) and is driven through the paths
where a careless log line would show them: bad and forged signatures and tokens, malformed
bodies, Web API calls that fail (the token travels in their headers), a Teams reply whose
outbound token cannot be had, a database that is down, a question and a draft with an email
address and a distinctive text. Afterwards none of those values is in the log (the process's
stderr; stdout is not used by `serve`), nor in what `policybot config check` prints.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.ops.conftest import Served, clean_env, free_port
from tests.slack.conftest import FakeSlack, sign
from tests.teams.conftest import APP_ID, FakeIdentity

BOT_TOKEN = "xoxb-1111-2222-SECRETbottokenQ7"
SIGNING_SECRET = "SECRETsigningsecret8f3a9c1d"
APP_PASSWORD = "SECRET~apppassword.Zq4"
DB_PASSWORD = "hunter2SECRETdb"
EMAIL = "geheim.adres@kofschip.example"
DISTINCTIVE = "zeldzaamwoord paarsekangoeroe"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_PASSWORD, DB_PASSWORD)
FRAGMENTS = ("SECRETbot", "SECRETsigning", "SECRET~app", "hunter2")  # a secret cut short
PRIVATE = (EMAIL, "geheim.adres", "paarsekangoeroe", "zeldzaamwoord")


def wait_until(condition: Callable[[], bool], *, timeout: float = 20.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def assert_clean(text: str, *, extra: tuple[str, ...] = ()) -> None:
    """None of the secrets or private texts (or `extra`) occurs in `text`."""
    leaked = [value for value in (*SECRETS, *FRAGMENTS, *PRIVATE, *extra) if value in text]
    assert leaked == [], f"leaked {leaked}"


def slack_event(text: str) -> bytes:
    """A direct message to the app."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U1",
        "text": text,
        "ts": "1700000000.000100",
    }
    return json.dumps({"type": "event_callback", "event_id": "EvS1", "event": event}).encode()


def post(served: Served, path: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the status (the body is not needed)."""
    return served.post_json_raw(path, body, headers).status


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    """Slack's Web API stand-in, served from a thread: auth.test works, posting fails (HTTP 500
    on every try), users.info fails, so each failure is logged while the token is in use."""
    slack = FakeSlack()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(slack.app(), access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    slack.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    for method in ("chat.postMessage", "users.info"):
        slack.answer_with(method, *[500] * 30)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield slack
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.run_until_complete(runner.cleanup())
    loop.close()


@pytest.fixture(scope="module")
def identity() -> Iterator[FakeIdentity]:
    """The Bot Framework's OpenID metadata and keys, on loopback."""
    fake = FakeIdentity()
    yield fake
    fake.close()


def secret_env(api_url: str = "", **extra: str) -> dict[str, str]:
    """Every secret the server can hold; Slack's Web API at `api_url` (default: nobody)."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url or f"http://127.0.0.1:{free_port()}/api/",
        "SLACK_API_TIMEOUT_SECONDS": "2",
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
        **extra,
    }


def drive_slack(served: Served) -> list[int]:
    """Signed, forged and malformed Slack requests carrying the private texts."""
    question = slack_event(f"{DISTINCTIVE}: mag ik foto's plaatsen? mail {EMAIL}")
    json_headers = {"Content-Type": "application/json"}
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    command = urlencode(
        {
            "command": "/protocol",
            "text": f"{DISTINCTIVE} {EMAIL}",
            "user_id": "U1",
            "response_url": f"http://127.0.0.1:{free_port()}/response",
        }
    ).encode()
    draft = {"draft": {"draft": {"type": "plain_text_input", "value": f"{DISTINCTIVE} {EMAIL}"}}}
    submission = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {
            "type": "modal",
            "id": "V1",
            "callback_id": "doubt_check_modal",
            "state": {"values": draft},
        },
    }
    submitted = urlencode({"payload": json.dumps(submission)}).encode()
    malformed = f'{{"type": "event_callback", "event": "{DISTINCTIVE} {EMAIL}'.encode()
    forged = sign(question, secret="not-the-signing-secret")
    return [
        post(served, "/slack/events", question, {**json_headers, **forged}),
        post(served, "/slack/events", question, {**json_headers, **sign(question, timestamp=1)}),
        post(
            served,
            "/slack/events",
            malformed,
            {**json_headers, **sign(malformed, secret=SIGNING_SECRET)},
        ),
        post(
            served,
            "/slack/events",
            question,
            {**json_headers, **sign(question, secret=SIGNING_SECRET)},
        ),
        post(
            served,
            "/slack/events",
            command,
            {**form_headers, **sign(command, secret=SIGNING_SECRET)},
        ),
        post(
            served,
            "/slack/events",
            submitted,
            {**form_headers, **sign(submitted, secret=SIGNING_SECRET)},
        ),
    ]


def drive_teams(
    served: Served, identity: FakeIdentity, service_url: str
) -> tuple[list[int], list[str]]:
    """Teams requests without, with forged and with valid tokens, carrying the private texts;
    the statuses, and the tokens sent (credentials too: they must not be logged either)."""
    activity = {
        "type": "message",
        "id": "1700000000001",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:1user", "name": "Juf Anna", "aadObjectId": "aad-1"},
        "recipient": {"id": f"28:{APP_ID}", "name": "Protocolbot"},
        "conversation": {"id": "a:personal-1", "conversationType": "personal", "tenantId": "t1"},
        "text": f"{DISTINCTIVE}: mag ik foto's plaatsen? mail {EMAIL}",
    }
    body = json.dumps(activity).encode()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = [
        None,
        "not-a-jwt",
        identity.token(service_url=service_url, key=other_key),
        identity.token(service_url=service_url, aud="someone-else"),
        identity.token(service_url=service_url),
    ]
    statuses = []
    for token in tokens:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        statuses.append(post(served, "/api/messages", body, headers))
    statuses.append(post(served, "/api/messages", body[:-5], {"Content-Type": "application/json"}))
    return statuses, [token for token in tokens if token is not None]


def test_no_secret_or_private_text_reaches_the_log_when_requests_fail(
    serve_factory: Any,
    identity: FakeIdentity,
    slack_api: FakeSlack,
) -> None:
    service_url = f"http://127.0.0.1:{free_port()}/"  # nobody listens: replies fail
    env = secret_env(f"{slack_api.base_url}/api/", TEAMS_OPENID_METADATA_URL=identity.metadata_url)
    served = serve_factory(**env)

    slack = drive_slack(served)
    teams, tokens = drive_teams(served, identity, service_url)
    # Bolt answers first and replies afterwards; wait until those failures are logged.
    failures = (
        "chat.postMessage to D1 failed",
        "users.info for U1 failed",
        "command answer via response_url failed",
        "Teams delivery failed",
    )
    logged = wait_until(lambda: all(f in served.log.read_text() for f in failures))
    served.stop()
    log = served.log.read_text(encoding="utf-8")

    assert slack == [401, 401, 400, 200, 200, 200]
    assert teams == [401, 401, 401, 401, 200, 400]
    assert logged, log[-3000:]
    assert "Teams request refused" in log  # the failures were logged, with ids only
    assert_clean(log, extra=tuple(token.split(".")[-1] for token in tokens))


def test_a_database_password_stays_out_of_the_log_when_the_database_is_down(
    serve_factory: Any,
    slack_api: FakeSlack,
) -> None:
    down = f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:{free_port()}/test"
    env = secret_env(f"{slack_api.base_url}/api/", DATABASE_URL=down, POLICYBOT_POLL_SECONDS="0.2")
    served = serve_factory(**env)

    ready = served.get("/readyz")
    body = slack_event(f"{DISTINCTIVE} {EMAIL}")
    headers = {"Content-Type": "application/json", **sign(body, secret=SIGNING_SECRET)}
    event = post(served, "/slack/events", body, headers)
    failed = wait_until(lambda: "OperationalError" in served.log.read_text())  # polls fail
    served.stop()
    log = served.log.read_text(encoding="utf-8")

    assert ready.status == 503
    assert "unreachable" in ready.text and DB_PASSWORD not in ready.text
    assert event == 500  # the event id cannot be recorded: Slack is asked to deliver it again
    assert failed, log[-3000:]
    assert_clean(log)


def test_config_check_never_prints_a_secret(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:{free_port()}/test"
    env = clean_env(tmp_path, **secret_env(DATABASE_URL=url))

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "config", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "database: postgresql" in done.stdout
    assert_clean(done.stdout + done.stderr)
