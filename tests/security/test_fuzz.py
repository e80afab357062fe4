"""Hypothesis fuzzing of both request handlers, past their first checks and into the listeners.

tests/slack/test_server.py fuzzes Slack with dictionaries of random keys, which Bolt mostly
refuses early. Here each example starts from a request exactly as Slack or Teams sends it (a
question, a decision button, a submitted form, a shortcut, a slash command, a card submit) and
mutates one to three of the fields our code reads: a value of another type, an odd string
(a request number that overflows, digits that are not ASCII, markup, a long text), or no value
at all. Most requests are correctly signed, so Bolt's routing and our listeners run on them.

The property: never a 5xx (except botbuilder's 501 for an invoke the bot does not implement),
no traceback in the answer, no listener or turn that crashed, and /healthz answers afterwards.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import FORM, JSON, Stack, assert_no_internals, crashes
from tests.slack.conftest import sign

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FUZZ_TEAMS = settings(FUZZ, max_examples=150)  # a Teams turn is cheaper than a Bolt dispatch
BOTH_DATABASES = pytest.mark.parametrize("stack", ["sqlite", "postgresql"], indirect=True)

Json = dict[str, Any]
Path = tuple[str | int, ...]

ODD_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "9" * 30,
        "2147483648",
        "²",
        "١٢",
        "-1",
        "#1",
        "1.5",
        "0",
        "{",
        "[]",
        "null",
        '{"values": 5}',
        "<!channel>",
        "${x}",
        "{{DATE(x)}}",
        "x" * 3000,
        "\u202e",
        "🙂",
        "D1",
        "U0DIR",
    ]
)
ODD_VALUES = st.one_of(
    ODD_STRINGS,
    ODD_STRINGS,
    ODD_STRINGS,
    st.sampled_from([None, 0, 1, -1, 2**40, 1.5, True, False, [], {}, ["x"], {"id": 5}]),
    st.text(max_size=20),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=6), inner),
        max_leaves=4,
    ),
)
DELETE = object()  # a mutation that removes the field
# The fields our listeners read; half of the mutations go to one of these.
HOT = frozenset(
    {
        "value",
        "request",
        "text",
        "user",
        "user_id",
        "aadObjectId",
        "private_metadata",
        "action",
        "action_id",
        "comment",
        "draft",
        "when",
        "id",
        "trigger_id",
        "response_url",
    }
)


def paths(node: Any, prefix: Path = ()) -> list[Path]:
    """Every field of a JSON value, as a path of keys and indexes (containers included)."""
    found: list[Path] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        found.append((*prefix, key))
        found += paths(value, (*prefix, key))
    return found


def mutate(document: Json, path: Path, value: Any) -> None:
    """Set (or, with DELETE, remove) the field at `path`."""
    *parents, last = path
    node: Any = document
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


@st.composite
def mutated(draw: st.DrawFn, templates: list[Json]) -> Json:
    """One of `templates`, with one to three fields replaced by odd values or removed."""
    document = copy.deepcopy(draw(st.sampled_from(templates)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        candidates = paths(document)
        hot = [path for path in candidates if path[-1] in HOT]
        if not candidates:
            break
        prefer_hot = bool(hot) and draw(st.booleans())
        path = draw(st.sampled_from(hot if prefer_hot else candidates))
        value = draw(st.one_of(st.just(DELETE), ODD_VALUES))
        mutate(document, path, value if value is DELETE else copy.deepcopy(value))
    return document


# --- Slack ------------------------------------------------------------------------------------


def slack_templates(response_url: str) -> list[tuple[str, Json]]:
    """Requests as Slack sends them: ("event" | "payload" | "command", body fields)."""

    def button(action_id: str, value: str, **extra: Any) -> Json:
        return {
            "type": "block_actions",
            "user": {"id": "U0DIR", "team_id": "T1"},
            "team": {"id": "T1"},
            "trigger_id": "trigger-1",
            "response_url": response_url,
            "channel": {"id": "DU0DIR"},
            "container": {"type": "message", "message_ts": "1700000000.000200"},
            "message": {"ts": "1700000000.000200", "text": "x", "blocks": []},
            "actions": [
                {"action_id": action_id, "block_id": "choices|nl", "value": value, "type": "button"}
            ],
            **extra,
        }

    def submitted(callback_id: str, values: dict[str, str], user: str, **meta: Any) -> Json:
        state = {
            name: {name: {"type": "plain_text_input", "value": v}} for name, v in values.items()
        }
        view = {
            "type": "modal",
            "id": "V1",
            "callback_id": callback_id,
            "private_metadata": json.dumps({"lang": "nl", **meta}),
            "state": {"values": state},
        }
        return {"type": "view_submission", "user": {"id": user}, "team": {"id": "T1"}, "view": view}

    def event(**fields: Any) -> Json:
        return {
            "type": "event_callback",
            "team_id": "T1",
            "event": {"ts": "1700000000.0001", **fields},
        }

    def command(name: str, text: str, user: str = "U0ASKER1") -> Json:
        return {
            "command": name,
            "text": text,
            "user_id": user,
            "team_id": "T1",
            "channel_id": "C1",
            "trigger_id": "trigger-1",
            "response_url": response_url,
        }

    form = {"draft": "Open dag!", "when": "morgen 09:00", "link": "", "platform": "Instagram"}
    picked = {"values": form, "callback": "doubt_check_modal", "lang": "nl"}
    return [
        (
            "event",
            event(
                type="message",
                channel_type="im",
                channel="D1",
                user="U0ASKER1",
                text="mag ik foto's plaatsen?",
            ),
        ),
        ("event", event(type="app_mention", channel="C1", user="U0ASKER1", text="<@UBOT> wat nu?")),
        ("event", event(type="app_home_opened", user="U0DIR", tab="home")),
        ("payload", button("approve", "1")),
        ("payload", button("acknowledge", "2")),
        ("payload", button("advise_against", "1")),
        ("payload", button("resolve", "2")),
        ("payload", button("feedback_up", "B3")),
        ("payload", button("show_clause", "A5")),
        ("payload", button("share_answer", json.dumps({"q": "mag ik foto's plaatsen?"}))),
        ("payload", button("doubt_check", "B3")),
        (
            "payload",
            button(
                "choose_school",
                "kofschip",
                view={"id": "V1", "type": "modal", "private_metadata": json.dumps(picked)},
            ),
        ),
        ("payload", submitted("doubt_check_modal", form, "U0ASKER1")),
        (
            "payload",
            submitted(
                "escalation_modal", {"links": "geen", "what": "Ruzie", "urgency": "nu"}, "U0ASKER1"
            ),
        ),
        (
            "payload",
            submitted(
                "decision_comment_modal",
                {"comment": "Liever niet"},
                "U0DIR",
                decision="advise_against",
                id="1",
            ),
        ),
        (
            "payload",
            {
                "type": "shortcut",
                "callback_id": "escalate_global",
                "trigger_id": "t",
                "user": {"id": "U0ASKER1"},
            },
        ),
        (
            "payload",
            {
                "type": "message_action",
                "callback_id": "escalate_message",
                "trigger_id": "t",
                "user": {"id": "U0ASKER1"},
                "channel": {"id": "C1"},
                "message": {"text": "Wat een onzin", "ts": "1700000000.000300"},
                "response_url": response_url,
            },
        ),
        ("command", command("/protocol", "mag ik foto's plaatsen?")),
        ("command", command("/twijfel", "concept")),
        ("command", command("/notitie", "2 gebeld", user="U0DIR")),
        ("command", command("/intrekken", "1")),
    ]


@st.composite
def slack_requests(draw: st.DrawFn, response_url: str) -> tuple[bytes, str | None, str]:
    """A mutated Slack request: its body, content type and how it is signed."""
    templates = slack_templates(response_url)
    index = draw(st.integers(min_value=0, max_value=len(templates) - 1))
    kind, template = templates[index]
    fields = draw(mutated([template]))
    natural = JSON if kind == "event" else FORM
    if kind == "event":
        body = json.dumps(fields).encode()
    elif kind == "payload":
        body = urlencode({"payload": json.dumps(fields)}).encode()
    else:
        text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        body = urlencode(text).encode()
    content_type: str | None = draw(st.sampled_from([natural] * 6 + ["text/plain", None]))
    signature = draw(st.sampled_from(["valid"] * 8 + ["none", "wrong"]))
    return body, content_type, signature


@BOTH_DATABASES
@FUZZ
@given(data=st.data())
def test_no_mutated_slack_request_causes_a_5xx_or_a_crash(
    stack: Stack, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    body, content_type, signature = data.draw(slack_requests(stack.slack.response_url("fuzz")))
    caplog.clear()
    headers = {"Content-Type": content_type} if content_type else {}
    if signature == "valid":
        headers.update(sign(body))
    elif signature == "wrong":
        headers.update(sign(body, secret="not-the-secret"))

    answer = stack.request("POST", "/slack/events", body, headers)
    stack.settle(0.02)  # the listeners' work after the acknowledgement

    assert answer.status < 500, answer
    assert_no_internals(answer)
    assert crashes(caplog.records) == []
    assert stack.healthy()


# --- Teams --------------------------------------------------------------------------------

DIRECTOR_AAD = "aaaaaaaa-0000-0000-0000-0000000000d1"
ANNA_AAD = "aaaaaaaa-0000-0000-0000-000000000001"


def teams_templates(service_url: str) -> list[Json]:
    """Activities as Teams sends them: messages, commands, card submits, updates, invokes."""

    def activity(aad: str = ANNA_AAD, **fields: Any) -> Json:
        return {
            "type": "message",
            "id": "1700000000001",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {"id": "29:1user", "name": "Juf Anna", "aadObjectId": aad},
            "recipient": {"id": "28:bot", "name": "Protocolbot"},
            "conversation": {
                "id": "a:personal-1",
                "conversationType": "personal",
                "tenantId": "t1",
            },
            "channelData": {"tenant": {"id": "t1"}},
            "locale": "nl-NL",
            **fields,
        }

    def submit(aad: str, **value: Any) -> Json:
        return activity(aad, text=None, replyToId="card-1", value={"lang": "nl", **value})

    at = "<at>Protocolbot</at>"
    return [
        activity(text="mag ik foto's van mijn klas op insta zetten?"),
        activity(
            text=f"{at} wat nu?",
            conversation={
                "id": "19:c@thread.tacv2",
                "conversationType": "channel",
                "tenantId": "t1",
            },
            entities=[
                {
                    "type": "mention",
                    "mentioned": {"id": "28:bot", "name": "Protocolbot"},
                    "text": at,
                }
            ],
        ),
        activity(text="/twijfel mag dit zo?"),
        activity(text="/notitie 1 ouders gebeld"),
        activity(text="/intrekken 1"),
        submit(
            ANNA_AAD, action="doubt_submit", draft="Open dag!", link="", when="nu", platform="X"
        ),
        submit(ANNA_AAD, action="escalate_submit", links="geen", what="Ruzie", urgency="nu"),
        submit(DIRECTOR_AAD, action="approve", request="1"),
        submit(DIRECTOR_AAD, action="advise_against", request="1", comment="Liever niet"),
        submit(DIRECTOR_AAD, action="resolve", request="2", comment="Opgelost"),
        submit(ANNA_AAD, action="feedback", clause="B3", vote="up"),
        submit(ANNA_AAD, action="show_clause", clause="A5"),
        submit(ANNA_AAD, action="doubt_check"),
        activity(type="conversationUpdate", membersAdded=[{"id": "28:bot"}], text=None),
        activity(type="installationUpdate", action="add", text=None),
        activity(
            type="invoke", name="adaptiveCard/action", value={"action": {"type": "Action.Execute"}}
        ),
    ]


@BOTH_DATABASES
@FUZZ_TEAMS
@given(data=st.data())
def test_no_mutated_teams_activity_causes_a_5xx_or_a_crash(
    stack: Stack, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    activity = data.draw(mutated(teams_templates(stack.service_url)))
    if not str(activity.get("serviceUrl", "")).startswith(stack.service_url):
        activity["serviceUrl"] = "ftp://not-a-service"  # never a real host (no network here)
    caplog.clear()

    answer = stack.teams_post(json.dumps(activity).encode())

    expected_501 = answer.status == 501 and activity.get("type") == "invoke"
    assert answer.status < 500 or expected_501, answer
    assert_no_internals(answer)
    assert crashes(caplog.records) == []
    assert stack.healthy()
