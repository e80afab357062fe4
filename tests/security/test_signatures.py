"""Slack's request signatures, attacked: a forged decision by "the director" changes nothing.

tests/slack/test_server.py covers a wrong secret, no signature and a timestamp six minutes old.
Here every way a signature can be almost right is tried on three requests an attacker would
want to forge (the director's Akkoord, a withdrawal, a question), and each must get 401 before
Bolt runs anything: no Web API call, no database write, the request's state unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

from bot.store.models import RequestRow
from bot.workflows.base import Actor
from bot.workflows.doubt_check import DoubtDraft, submit
from tests.security.conftest import (
    BEFORE_THE_DATABASE,
    FORM,
    JSON,
    Stack,
    assert_no_internals,
    crashes,
    row_counts,
)
from tests.slack.conftest import SECRET, sign
from tests.workflows.conftest import ANNA

Headers = dict[str, str]
Forgery = Callable[[bytes], tuple[bytes, Headers]]


def approve(request_id: int) -> bytes:
    """The director pressing Akkoord on request `request_id`."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U0DIR"},
        "team": {"id": "T1"},
        "trigger_id": "t",
        "actions": [{"action_id": "approve", "block_id": "choices|nl", "value": str(request_id)}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def withdraw(request_id: int) -> bytes:
    """The requester typing /intrekken."""
    return urlencode(
        {"command": "/intrekken", "text": str(request_id), "user_id": "U0ASKER1"}
    ).encode()


QUESTION = json.dumps(
    {
        "type": "event_callback",
        "event_id": "EvForged",
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "D1",
            "user": "U0ASKER1",
            "text": "mag ik foto's van mijn klas op insta zetten?",
            "ts": "1700000000.000100",
        },
    }
).encode()


def now() -> int:
    """The current Unix time."""
    return int(time.time())


def signed_at(timestamp: str, body: bytes) -> Headers:
    """Headers carrying `timestamp` verbatim, with a v0 signature computed over it."""
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


FORGERIES: dict[str, Forgery] = {
    "signed-over-another-body": lambda body: (body, sign(body + b"&x=1")),
    "body-changed-after-signing": lambda body: (body.replace(b"U0", b"U1"), sign(body)),
    "body-with-a-byte-appended": lambda body: (body + b" ", sign(body)),
    "signed-with-an-empty-secret": lambda body: (body, sign(body, secret="")),
    "timestamp-six-minutes-ahead": lambda body: (body, sign(body, timestamp=now() + 360)),
    "timestamp-a-day-old": lambda body: (body, sign(body, timestamp=now() - 86_400)),
    "timestamp-zero": lambda body: (body, sign(body, timestamp=0)),
    "timestamp-not-a-number": lambda body: (body, signed_at("soon", body)),
    "timestamp-with-a-fraction": lambda body: (body, signed_at(f"{now()}.5", body)),
    "signature-version-v1": lambda body: (
        body,
        {**sign(body), "X-Slack-Signature": sign(body)["X-Slack-Signature"].replace("v0=", "v1=")},
    ),
    "signature-in-upper-case": lambda body: (
        body,
        {**sign(body), "X-Slack-Signature": "v0=" + sign(body)["X-Slack-Signature"][3:].upper()},
    ),
    "signature-truncated": lambda body: (
        body,
        {**sign(body), "X-Slack-Signature": sign(body)["X-Slack-Signature"][:-8]},
    ),
    "signature-header-missing": lambda body: (
        body,
        {"X-Slack-Request-Timestamp": sign(body)["X-Slack-Request-Timestamp"]},
    ),
    "timestamp-header-missing": lambda body: (
        body,
        {"X-Slack-Signature": sign(body)["X-Slack-Signature"]},
    ),
    "signature-empty": lambda body: (body, {**sign(body), "X-Slack-Signature": ""}),
    "signature-not-ascii": lambda body: (body, {**sign(body), "X-Slack-Signature": "v0=\u00e9"}),
    "timestamp-in-superscript": lambda body: (body, signed_at("\u00b9\u00b2", body)),
}


@pytest.fixture(scope="module")
def waiting(stack: Stack) -> int:
    """A doubt check by Anna, waiting for the director: its number."""
    outcome = submit(stack.ctx, Actor(ANNA), DoubtDraft(text="Open dag zaterdag!"))
    assert outcome.request_id is not None
    return outcome.request_id


def status_of(stack: Stack, request_id: int) -> str:
    """The request's status in the database."""
    with stack.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        return row.status


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
@pytest.mark.parametrize("kind", ["director-approves", "requester-withdraws", "question"])
def test_an_almost_right_signature_gets_401_and_changes_nothing(
    stack: Stack,
    waiting: int,
    caplog: pytest.LogCaptureFixture,
    forgery: Forgery,
    kind: str,
) -> None:
    original = {
        "director-approves": approve(waiting),
        "requester-withdraws": withdraw(waiting),
        "question": QUESTION,
    }[kind]
    body, headers = forgery(original)
    before, status = row_counts(stack.store), status_of(stack, waiting)
    stack.forget_calls()

    answer = stack.slack_post(
        body, content_type=JSON if kind == "question" else FORM, signed=False, headers=headers
    )

    assert answer.status == 401
    assert_no_internals(answer)
    assert stack.slack.calls == []  # not even auth.test: Bolt stopped at the signature
    assert row_counts(stack.store) == before
    assert status_of(stack, waiting) == status
    assert crashes(caplog.records) == []


@BEFORE_THE_DATABASE
@pytest.mark.parametrize(
    "timestamp", [lambda: now() - 400, lambda: now() + 400, lambda: 0], ids=["old", "ahead", "zero"]
)
def test_a_malformed_body_outside_the_replay_window_is_401_not_400(
    stack: Stack, timestamp: Callable[[], int]
) -> None:
    """The edge's own check (used only where Bolt cannot parse the body) keeps the window too:
    a 400 would tell an attacker that a captured signature is still good."""
    body = b'{"type": "event_callback", "event": '

    answer = stack.slack_post(body, signed=False, headers=sign(body, timestamp=timestamp()))

    assert (answer.status, answer.text) == (401, '{"error": "invalid_request"}')


def test_the_same_forged_approval_signed_correctly_does_approve(stack: Stack, waiting: int) -> None:
    """The control: with the real secret the very same body is accepted and acted on, so the
    refusals above are the signature's doing."""
    answer = stack.slack_post(approve(waiting), content_type=FORM)
    stack.settle(0.2)

    assert answer.status == 200
    assert status_of(stack, waiting) == "approved"


@BEFORE_THE_DATABASE
@pytest.mark.parametrize(
    "body",
    [
        b"ssl_check=1&token=legacy",
        b"ssl_check=1&command=/twijfel&user_id=U0DIR&trigger_id=t",
        b'payload={"ssl_check": "1", "type": "shortcut", "callback_id": "escalate_global",'
        b' "trigger_id": "t", "user": {"id": "U0DIR"}}',
    ],
    ids=["plain", "with-a-command", "inside-a-payload"],
)
def test_slacks_unsigned_ssl_check_is_answered_but_runs_nothing(stack: Stack, body: bytes) -> None:
    """Slack's certificate check comes unsigned; Bolt answers it before anything else, so a
    forged request cannot ride on `ssl_check=1` (bolt-js had that hole: its issue 2897)."""
    stack.forget_calls()
    before = row_counts(stack.store)

    answer = stack.slack_post(body, content_type=FORM, signed=False)
    stack.settle(0.05)

    assert (answer.status, answer.text) == (200, "")
    assert stack.web_api_calls() == []
    assert row_counts(stack.store) == before


@BEFORE_THE_DATABASE
def test_an_unsigned_request_is_refused_before_bolt_so_its_body_is_never_logged(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt logs the whole body of a request whose signature fails (at INFO); the edge refuses
    unsigned requests first, so nobody can write a message text into the log."""
    body = QUESTION.replace(b"insta", b"paarsekangoeroe")

    with caplog.at_level(logging.DEBUG):
        answers = [
            stack.slack_post(body, content_type=JSON, signed=False, headers=sign(body, secret="x")),
            stack.slack_post(body, content_type=JSON, signed=False),
        ]

    assert [a.status for a in answers] == [401, 401]
    assert not [r for r in caplog.records if "paarsekangoeroe" in r.getMessage()]
