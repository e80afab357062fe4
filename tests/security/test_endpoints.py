"""Malformed requests on every endpoint of the complete server: a clear 4xx, never a crash.

Each case checks the whole picture: the status, no traceback or exception text in the answer,
the server still answers /healthz, nothing written to the database, no Slack Web API call and
no Bot Connector call, and no listener, middleware or turn that failed (an ERROR logged by our
loggers). tests/slack/test_server.py and tests/teams/test_security.py hold the first cases of
each kind; these add the shapes and encodings they do not cover.

What is right for a Slack request that is correctly signed but malformed: a body Bolt cannot
read safely (wrong JSON shape, broken encoding, fields of the wrong type) is refused at the edge
with 400; a well-formed body no listener handles gets Bolt's 404 "unhandled request"; one a
listener handles but that lacks what it needs is acknowledged (200) and nothing else happens.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.security.conftest import (
    BEFORE_THE_DATABASE,
    FORM,
    JSON,
    Answer,
    Stack,
    assert_no_internals,
    crashes,
    row_counts,
)

DIRECTOR_AAD = "aaaaaaaa-0000-0000-0000-0000000000d1"  # the director, in tests/security/org.yaml
MIB = 1024 * 1024


def payload(**fields: Any) -> bytes:
    """An interactivity form body: payload=<JSON>."""
    return urlencode({"payload": json.dumps(fields)}).encode()


def form(**fields: str) -> bytes:
    """A slash command's form body."""
    return urlencode(fields).encode()


def event(inner: dict[str, Any], **outer: Any) -> bytes:
    """An Events API body around `inner`, without an event id (which would be recorded)."""
    return json.dumps({"type": "event_callback", "event": inner, **outer}).encode()


def modal(**fields: Any) -> dict[str, Any]:
    """A submitted view as Slack sends it, with `fields` overriding."""
    return {"type": "modal", "id": "V9", "callback_id": "doubt_check_modal", **fields}


@pytest.fixture(autouse=True)
def fresh_calls(stack: Stack) -> None:
    """Each test starts with nothing recorded by the stand-ins (the server is shared)."""
    stack.forget_calls()


def assert_nothing_happened(
    stack: Stack, answer: Answer, before: dict[str, int], logs: pytest.LogCaptureFixture
) -> None:
    """No internals shown, nothing stored or sent, nothing crashed, and the server is up."""
    assert_no_internals(answer)
    assert row_counts(stack.store) == before
    assert stack.web_api_calls() == []
    assert stack.connector.calls == []
    assert crashes(logs.records) == []
    assert stack.healthy()


# --- every route: methods, paths, headers ---------------------------------------------------


@BEFORE_THE_DATABASE
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/slack/events", 405),
        ("PUT", "/slack/events", 405),
        ("DELETE", "/slack/events", 405),
        ("GET", "/api/messages", 405),
        ("PATCH", "/api/messages", 405),
        ("OPTIONS", "/api/messages", 405),
        ("POST", "/healthz", 405),
        ("PUT", "/readyz", 405),
        ("GET", "/", 404),
        ("GET", "/slack/events/", 404),
        ("POST", "/slack/event", 404),
        ("POST", "/api/messages/x", 404),
        ("GET", "/%ff%fe%00", 404),
        ("GET", "/.env", 404),
    ],
)
def test_a_wrong_method_or_unknown_path_gets_405_or_404(
    stack: Stack, caplog: pytest.LogCaptureFixture, method: str, path: str, status: int
) -> None:
    before = row_counts(stack.store)

    answer = stack.request(method, path, b'{"type": "message"}', {"Content-Type": JSON})

    assert answer.status == status
    assert_nothing_happened(stack, answer, before, caplog)


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_ignore_bodies_queries_and_odd_headers(stack: Stack, path: str) -> None:
    headers = {"Content-Type": "application/x-evil", "X-Request-Id": "bad id\twith tab"}

    answer = stack.request("GET", f"{path}?verbose=1&x=%00", b"\xff" * 1000, headers)

    assert answer.status == 200
    assert json.loads(answer.text)["status"] in ("ok", "ready")
    assert answer.headers["x-request-id"].isalnum()  # a new, plain id instead


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("path", ["/slack/events", "/api/messages", "/healthz", "/readyz", "/x"])
@pytest.mark.parametrize(
    "headers",
    [
        {"X-Huge": "a" * 20_000},
        {f"X-Many-{i}": "v" for i in range(300)},
        {"Content-Type": JSON + "; " + "p=1; " * 3000},
    ],
    ids=["one-huge-header", "three-hundred-headers", "huge-content-type"],
)
def test_oversized_headers_are_refused_with_400_on_every_route(
    stack: Stack, path: str, headers: dict[str, str]
) -> None:
    before = row_counts(stack.store)
    method = "POST" if path in ("/slack/events", "/api/messages") else "GET"

    answer = stack.request(method, path, b"{}", headers)

    assert answer.status in (400, 431)
    assert_no_internals(answer)
    assert row_counts(stack.store) == before
    assert stack.healthy()


@BEFORE_THE_DATABASE
def test_a_huge_url_is_refused(stack: Stack) -> None:
    answer = stack.request("POST", "/slack/events?" + "q" * 20_000, b"{}", {"Content-Type": JSON})

    assert answer.status in (400, 414)
    assert stack.healthy()


# --- body sizes --------------------------------------------------------------------------------


def padded(size: int, make: Callable[[str], bytes]) -> bytes:
    """A JSON body of exactly `size` bytes: `make(padding)` with the padding grown to fit."""
    return make("x" * (size - len(make(""))))


@BEFORE_THE_DATABASE
def test_a_slack_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    def make(pad: str) -> bytes:
        return event({"type": "reaction_added", "user": "U1"}, pad=pad)

    at_limit = stack.slack_post(padded(MIB, make))
    over = stack.slack_post(padded(MIB + 1, make))

    assert (at_limit.status, at_limit.text) == (404, '{"error": "unhandled request"}')
    assert over.status == 413
    assert crashes(caplog.records) == []


@BEFORE_THE_DATABASE
def test_a_teams_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(
    stack: Stack,
) -> None:
    def make(pad: str) -> bytes:
        activity = {
            "type": "typing",
            "serviceUrl": stack.service_url,
            "conversation": {"id": "a:p"},
            "channelData": {"pad": pad},
        }
        return json.dumps(activity).encode()

    at_limit = stack.teams_post(padded(MIB, make))
    over = stack.teams_post(padded(MIB + 1, make))

    assert (at_limit.status, over.status) == (200, 413)
    assert stack.connector.calls == []


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("path", ["/healthz", "/x"])
def test_a_big_body_to_a_route_that_never_reads_it_changes_nothing(stack: Stack, path: str) -> None:
    answer = stack.request("POST" if path == "/x" else "GET", path, b"x" * (3 * MIB))

    assert answer.status == (404 if path == "/x" else 200)
    assert stack.healthy()


# --- Slack: signed but malformed -----------------------------------------------------------

REFUSED_AT_THE_EDGE = {
    "json-null": (b"null", JSON),
    "json-number": (b"5", JSON),
    "json-true": (b"true", JSON),
    "type-is-a-number": (b'{"type": 5}', JSON),
    "event-user-is-a-list": (event({"type": "message", "user": ["U1"], "text": "hoi"}), JSON),
    "event-channel-has-a-number-id": (event({"type": "message", "channel": {"id": 1}}), JSON),
    "authorizations-not-a-list": (event({"type": "message"}, authorizations="x"), JSON),
    "event-ts-is-a-number": (event({"type": "message", "ts": 1.5}), JSON),
    "nul-character-in-text": (event({"type": "message", "text": "a\x00b"}), JSON),
    "half-a-surrogate-pair": (b'{"type": "url_verification", "challenge": "\\ud800"}', JSON),
    "latin-1-bytes": (b'{"type": "event_callback", "event": {"text": "caf\xe9"}}', JSON),
    "utf-16": ('{"type": "url_verification"}'.encode("utf-16"), JSON),
    "utf-8-bom": (b'\xef\xbb\xbf{"type": "url_verification"}', JSON),
    "form-sent-as-json": (b"command=/protocol&text=hoi", JSON),
    "empty-payload": (b"payload=", FORM),
    "payload-null": (b"payload=null", FORM),
    "payload-a-string": (b"payload=%22block_actions%22", FORM),
    "payload-not-utf-8": (b'payload={"type":"\xff"}', FORM),
    "action-id-a-number": (payload(type="block_actions", actions=[{"action_id": 7}]), FORM),
    "actions-empty": (payload(type="block_actions", actions=[]), FORM),
    "actions-an-object": (payload(type="block_actions", actions={"action_id": "x"}), FORM),
    "view-submission-without-view": (payload(type="view_submission"), FORM),
    "view-without-type": (
        payload(type="view_submission", view={"callback_id": "doubt_check_modal"}),
        FORM,
    ),
    "view-closed-view-a-string": (payload(type="view_closed", view="V1"), FORM),
    "workflow-step-view-without-step": (
        payload(type="view_submission", view=modal(type="workflow_step")),
        FORM,
    ),
    "workflow-step-edit-without-step": (payload(type="workflow_step_edit", callback_id="x"), FORM),
    "message-shortcut-message-a-string": (
        payload(type="message_action", callback_id="escalate_message", message="hoi"),
        FORM,
    ),
    "shortcut-user-a-list": (payload(type="shortcut", callback_id="x", user=["U1"]), FORM),
    "command-with-nul": (form(command="/protocol", text="hoi\x00"), FORM),
}


@BEFORE_THE_DATABASE
@pytest.mark.parametrize(
    ("body", "content_type"), REFUSED_AT_THE_EDGE.values(), ids=REFUSED_AT_THE_EDGE.keys()
)
def test_a_signed_body_bolt_cannot_read_safely_gets_400(
    stack: Stack, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    before = row_counts(stack.store)

    answer = stack.slack_post(body, content_type=content_type)

    assert (answer.status, answer.text) == (400, '{"error": "bad_request"}')
    assert_nothing_happened(stack, answer, before, caplog)


UNHANDLED = {
    "empty-body": (b"", JSON),
    "empty-object": (b"{}", JSON),
    "percent-encoded-non-utf-8": (b"payload=%7B%22type%22%3A%22%ff%22%7D", FORM),
    "unknown-event": (event({"type": "reaction_added"}), JSON),
    "event-without-type": (event({"user": "U1"}), JSON),
    "unknown-command": (form(command="/onbekend", user_id="U1"), FORM),
    "form-without-command": (form(text="hoi", user_id="U1"), FORM),
    "unknown-view": (payload(type="view_submission", view=modal(callback_id="x")), FORM),
    "view-closed": (payload(type="view_closed", view=modal()), FORM),
    "unknown-shortcut": (payload(type="shortcut", callback_id="x", trigger_id="t"), FORM),
    "shortcut-without-callback": (payload(type="shortcut", trigger_id="t"), FORM),
    "block-suggestion": (payload(type="block_suggestion", action_id="x", value="v"), FORM),
    "legacy-attachment-action": (payload(type="interactive_message", actions=[]), FORM),
    "unknown-button": (payload(type="block_actions", actions=[{"action_id": "nope"}]), FORM),
}


@pytest.mark.parametrize(("body", "content_type"), UNHANDLED.values(), ids=UNHANDLED.keys())
def test_a_signed_well_formed_body_no_listener_handles_gets_404(
    stack: Stack, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    before = row_counts(stack.store)

    answer = stack.slack_post(body, content_type=content_type)

    assert (answer.status, answer.text) == (404, '{"error": "unhandled request"}')
    assert_nothing_happened(stack, answer, before, caplog)


def button(action_id: str, value: Any = None, **fields: Any) -> bytes:
    """A block_actions payload with one button, without user, trigger or response_url."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": "choices|nl"}
    if value is not None:
        action["value"] = value
    return payload(type="block_actions", actions=[action], **fields)


DIRECTOR = {"id": "U0DIR"}  # listed with slack_id: known without a users.info call

ACKNOWLEDGED_QUIETLY = {
    "approve-without-user": button("approve", "1"),
    "approve-with-a-30-digit-request": button("approve", "9" * 30, user=DIRECTOR),
    "approve-with-superscript-digits": button("approve", "²³", user=DIRECTOR),
    "approve-with-arabic-indic-digits": button("approve", "١٢", user=DIRECTOR),
    "acknowledge-without-value": button("acknowledge", user=DIRECTOR),
    "feedback-without-user": button("feedback_up", "B3"),
    "feedback-without-clause": button("feedback_down", "", user=DIRECTOR),
    "show-clause-without-response-url": button("show_clause", "B3"),
    "share-with-a-broken-value": button("share_answer", '{"q": 5', user=DIRECTOR),
    "doubt-button-without-trigger": button("doubt_check", "B3", user=DIRECTOR),
    "advise-against-without-trigger": button("advise_against", "1", user=DIRECTOR),
    "school-choice-without-view": button("choose_school", "kofschip", user=DIRECTOR),
    "school-choice-with-garbage-metadata": button(
        "choose_school", "kofschip", user=DIRECTOR, view=modal(private_metadata="{[")
    ),
    "school-choice-with-values-of-the-wrong-type": button(
        "choose_school",
        "kofschip",
        user=DIRECTOR,
        view=modal(private_metadata=json.dumps({"values": {"draft": 5, "when": ["x"]}})),
    ),
    "comment-with-metadata-a-number": payload(
        type="view_submission",
        user=DIRECTOR,
        view=modal(callback_id="decision_comment_modal", private_metadata="5"),
    ),
    "comment-for-a-30-digit-request": payload(
        type="view_submission",
        user=DIRECTOR,
        view=modal(
            callback_id="decision_comment_modal",
            private_metadata=json.dumps({"decision": "resolve", "id": "9" * 30}),
        ),
    ),
    "global-shortcut-without-trigger": payload(type="shortcut", callback_id="escalate_global"),
    "message-shortcut-with-a-channel-string": payload(
        type="message_action",
        callback_id="escalate_message",
        user=DIRECTOR,
        channel="C1",
        message={"text": "Wat een onzin", "ts": "1700000000.000300"},
    ),
    "message-shortcut-without-trigger": payload(
        type="message_action", callback_id="doubt_check_message", message={"text": ["x"]}
    ),
    "twijfel-without-trigger": form(command="/twijfel", user_id="U0DIR"),
    "notitie-without-user": form(command="/notitie", text="1 hoi"),
    "intrekken-with-a-30-digit-request": form(command="/intrekken", text="9" * 30, user_id="U0DIR"),
    "notitie-with-superscript-digits": form(command="/notitie", text="² hoi", user_id="U0DIR"),
    "protocol-without-response-url": form(command="/protocol", text="mag ik foto's plaatsen"),
    "home-opened-without-user": event({"type": "app_home_opened", "tab": "home"}),
    "home-opened-on-another-tab": event({"type": "app_home_opened", "user": "U0DIR", "tab": 5}),
    "message-without-text": event({"type": "message", "channel_type": "im", "user": "U1"}),
    "message-edit": event({"type": "message", "subtype": "message_changed", "channel": "D1"}),
    "mention-without-channel": event({"type": "app_mention", "user": "U1", "text": "hoi"}),
}
VIEW_SUBMISSIONS = {
    "state-a-list": modal(state=[]),
    "state-values-a-list": modal(state={"values": []}),
    "state-block-a-list": modal(state={"values": {"draft": []}}),
    "state-value-a-number": modal(state={"values": {"draft": {"draft": {"value": 5}}}}),
    "metadata-a-number": modal(callback_id="escalation_modal", private_metadata=5),
    "metadata-not-json": modal(callback_id="escalation_modal", private_metadata="{["),
}


@pytest.mark.parametrize("body", ACKNOWLEDGED_QUIETLY.values(), ids=ACKNOWLEDGED_QUIETLY.keys())
def test_a_signed_request_missing_what_its_listener_needs_is_acknowledged_and_ignored(
    stack: Stack, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    before = row_counts(stack.store)
    content_type = JSON if body.startswith(b"{") else FORM

    answer = stack.slack_post(body, content_type=content_type)
    stack.settle(0.05)  # the listeners' work after the acknowledgement (milliseconds)

    assert (answer.status, answer.text) == (200, "")
    assert_nothing_happened(stack, answer, before, caplog)


@pytest.mark.parametrize("view", VIEW_SUBMISSIONS.values(), ids=VIEW_SUBMISSIONS.keys())
def test_a_form_submitted_in_a_broken_shape_by_nobody_known_says_not_sent(
    stack: Stack, caplog: pytest.LogCaptureFixture, view: dict[str, Any]
) -> None:
    before = row_counts(stack.store)

    answer = stack.slack_post(payload(type="view_submission", view=view), content_type=FORM)

    assert answer.status == 200
    ack = json.loads(answer.text)
    assert ack["response_action"] == "update"
    assert ack["view"]["title"]["text"] == "Niet verstuurd"
    assert_nothing_happened(stack, answer, before, caplog)


@BEFORE_THE_DATABASE
@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=x", None, "application/xml"]
)
def test_the_content_type_does_not_change_what_a_signed_body_is(
    stack: Stack, caplog: pytest.LogCaptureFixture, content_type: str | None
) -> None:
    """Bolt reads a body by its first character, as Slack's own SDK does: a JSON event is read
    as JSON whatever the Content-Type says, and a form body that is not JSON stays a form."""
    before = row_counts(stack.store)

    as_json = stack.slack_post(event({"type": "reaction_added"}), content_type=content_type)
    as_form = stack.slack_post(form(command="/onbekend"), content_type=content_type)

    assert [as_json.status, as_form.status] == [404, 404]
    assert_nothing_happened(stack, as_form, before, caplog)


# --- well-formed, but made to be slow --------------------------------------------------------

ONE_LONG_WORD = {
    "letters": "x" * 2000,
    "word-parts": "xxxs" * 500,
    "real-words": "schoolfoto" * 200,
    "many-long-words": " ".join(["fotoschoolfoto" * 5] * 25),
}


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("text", ONE_LONG_WORD.values(), ids=ONE_LONG_WORD.keys())
def test_a_question_of_very_long_words_is_answered(
    stack: Stack, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    """Splitting an unknown word into known ones was exponential in its length: one message of
    2,000 letters kept a CPU busy for good. Both platforms answer it like any question."""
    event_id = f"EvLong{len(stack.slack.calls)}{abs(hash(text))}"
    question = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U1",
        "text": text,
    }

    slack = stack.slack_post(event(question, event_id=event_id))
    teams = stack.teams_post(json.dumps(activity(stack, text=text)).encode())
    answered = stack.poll(lambda: len(stack.slack.of("chat.postMessage")) == 1)

    assert (slack.status, teams.status) == (200, 200)
    assert answered
    assert len(stack.connector.calls) == 1
    assert crashes(caplog.records) == []


# --- Teams: malformed activities ----------------------------------------------------------


def activity(stack: Stack, **fields: Any) -> dict[str, Any]:
    """A personal-chat message from the director (known by AAD id) with `fields` overriding."""
    return {
        "type": "message",
        "id": "1700000000001",
        "channelId": "msteams",
        "serviceUrl": stack.service_url,
        "from": {"id": "29:1director", "name": "Directeur", "aadObjectId": DIRECTOR_AAD},
        "recipient": {"id": "28:bot", "name": "Protocolbot"},
        "conversation": {"id": "a:director", "conversationType": "personal", "tenantId": "t1"},
        "text": "hoi",
        **fields,
    }


TEAMS_REFUSED: dict[str, Any] = {
    "empty-body": b"",
    "whitespace": b"  \n ",
    "null": b"null",
    "utf-8-bom": lambda s: b"\xef\xbb\xbf" + json.dumps(activity(s)).encode(),
    "utf-16": lambda s: json.dumps(activity(s)).encode("utf-16"),
    "latin-1-text": lambda s: json.dumps(activity(s, text="@")).encode().replace(b"@", b"\xe9"),
    "form-body": b"type=message&text=hoi",
    "service-url-unclosed-ipv6": lambda s: activity(s, serviceUrl="http://[::1"),
    "service-url-without-host": lambda s: activity(s, serviceUrl="http://"),
    "service-url-javascript": lambda s: activity(s, serviceUrl="javascript:alert(1)"),
    "tenant-a-number": lambda s: activity(s, channelData={"tenant": 5}),
    "conversation-id-a-number": lambda s: activity(s, conversation={"id": 5}),
    "conversation-id-empty": lambda s: activity(s, conversation={"id": " "}),
    "conversation-id-not-ascii": lambda s: activity(s, conversation={"id": "a:\u202epersonal"}),
    "conversation-id-with-a-line-break": lambda s: activity(s, conversation={"id": "a:p\r\nX: 1"}),
    "conversation-tenant-an-object": lambda s: activity(
        s, conversation={"id": "a:p", "tenantId": {"id": "t"}}
    ),
    "recipient-name-a-list": lambda s: activity(s, recipient={"id": "28:bot", "name": ["x"]}),
    "from-aad-id-a-number": lambda s: activity(s, **{"from": {"id": "29:x", "aadObjectId": 5}}),
    "entities-strings": lambda s: activity(s, entities=["mention"]),
    "nul-in-text": lambda s: activity(s, text="hoi\x00"),
    "nul-in-a-form-value": lambda s: activity(s, value={"action": "doubt_submit", "draft": "\x00"}),
    "half-a-surrogate-pair": lambda s: (
        json.dumps(activity(s, text="X")).encode().replace(b'"X"', b'"\\udc00"')
    ),
}


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("make", TEAMS_REFUSED.values(), ids=TEAMS_REFUSED.keys())
def test_a_body_that_is_not_an_activity_gets_400_from_teams(
    stack: Stack, caplog: pytest.LogCaptureFixture, make: Any
) -> None:
    before = row_counts(stack.store)
    made = make(stack) if callable(make) else make
    body = made if isinstance(made, bytes) else json.dumps(made).encode()

    answer = stack.teams_post(body)

    assert (answer.status, answer.text) == (400, '{"error": "bad_request"}')
    assert_nothing_happened(stack, answer, before, caplog)


TEAMS_VALUES = {
    "action-a-list": ({"action": ["approve"]}, None),
    "action-an-object": ({"action": {"x": 1}}, None),
    "action-a-number": ({"action": 5}, None),
    "request-of-30-digits": ({"action": "approve", "request": "9" * 30}, "Die knop hoort bij"),
    "request-in-superscript": ({"action": "approve", "request": "²"}, "Die knop hoort bij"),
    "request-a-number": ({"action": "acknowledge", "request": 1}, "Die knop hoort bij"),
    "clause-a-list": ({"action": "show_clause", "clause": ["B3"]}, "Die knop ken ik niet"),
    "vote-a-list": ({"action": "feedback", "clause": "B3", "vote": ["up"]}, "Die knop ken ik"),
}


@pytest.mark.parametrize(("value", "said"), TEAMS_VALUES.values(), ids=TEAMS_VALUES.keys())
def test_a_card_submit_with_a_value_of_the_wrong_shape_is_answered_without_a_crash(
    stack: Stack, caplog: pytest.LogCaptureFixture, value: Any, said: str | None
) -> None:
    before = row_counts(stack.store)
    stack.forget_calls()

    answer = stack.teams_post(json.dumps(activity(stack, text=None, value=value)).encode())

    assert answer.status == 200
    assert crashes(caplog.records) == []
    replies = [str(call.body.get("text")) for call in stack.connector.calls]
    assert replies == ([] if said is None else [replies[0]])
    assert said is None or replies[0].startswith(said)
    assert {c.conversation for c in stack.connector.calls} <= {"a:director"}
    after = row_counts(stack.store)  # only the sender's conversation reference may be stored
    assert {k: v for k, v in after.items() if k != "teams_references"} == {
        k: v for k, v in before.items() if k != "teams_references"
    }
    stack.forget_calls()


@pytest.mark.parametrize("text", ["/intrekken 999999999999999999999", "/notitie ²³ hoi"])
def test_a_typed_command_with_an_impossible_request_number_gets_the_usage(
    stack: Stack, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    stack.forget_calls()

    answer = stack.teams_post(json.dumps(activity(stack, text=text)).encode())

    assert answer.status == 200
    assert crashes(caplog.records) == []
    [reply] = stack.connector.calls
    assert str(reply.body.get("text")).startswith("Gebruik: /")
    stack.forget_calls()


@BEFORE_THE_DATABASE
def test_a_json_activity_is_read_whatever_its_content_type(stack: Stack) -> None:
    """The Bot Framework token, not the Content-Type, is what makes a request trusted; a body
    that is not JSON is refused whatever it claims to be."""
    stack.forget_calls()
    body = json.dumps(activity(stack, type="typing")).encode()

    plain = stack.teams_post(body, headers={"Content-Type": "text/plain"})
    lying = stack.teams_post(b"type=message", headers={"Content-Type": JSON})

    assert (plain.status, lying.status) == (200, 400)
    assert stack.connector.calls == []


@pytest.mark.parametrize(
    ("name", "value", "status"),
    [
        ("task/fetch", None, 501),
        ("signin/verifyState", {"state": 5}, 501),
        ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "x"}}, 501),
        ("adaptiveCard/action", {"action": ""}, 400),
        ("adaptiveCard/action", {"action": ["x"]}, 400),
    ],
)
def test_an_invoke_the_bot_does_not_implement_gets_501_or_400_without_a_crash(
    stack: Stack, caplog: pytest.LogCaptureFixture, name: str, value: Any, status: int
) -> None:
    """Our cards submit with Action.Submit, so no invoke is ours: botbuilder's 501 Not
    Implemented (which Teams shows as "this app cannot do that"), the one 5xx by design, or 400
    for a value it cannot read. botbuilder itself crashed on `{"action": ""}`."""
    before = row_counts(stack.store)
    body = json.dumps(activity(stack, type="invoke", name=name, value=value)).encode()

    answer = stack.teams_post(body)

    assert answer.status == status
    assert_no_internals(answer)
    assert crashes(caplog.records) == []
    assert {k: v for k, v in row_counts(stack.store).items() if k != "teams_references"} == {
        k: v for k, v in before.items() if k != "teams_references"
    }


@BEFORE_THE_DATABASE
def test_a_service_url_that_answers_something_else_than_json_is_a_delivery_failure(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply to a serviceUrl that answers a page (a proxy's 404) instead of the connector's
    JSON is logged as a failed delivery, not a crashed turn."""
    wrong = activity(stack, serviceUrl=f"{stack.url}/not-a-connector/")

    answer = stack.teams_post(json.dumps(wrong).encode())

    assert answer.status == 200
    assert crashes(caplog.records) == []
    assert any("delivery failed: DeserializationError" in r.getMessage() for r in caplog.records)
