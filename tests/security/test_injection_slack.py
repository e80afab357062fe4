"""Slack mrkdwn injection through the workflows: staff text reaches the director inert.

A draft, a link, an escalation's description and links, the director's comment and a note can
all carry Slack's control sequences: `<!channel>` and `<!here>` ping everyone, `<@U…>` mentions
someone, `<#C…>` links a channel, `<https://evil|click>` disguises a link. Every message the
workflows send (through the outbox, the dispatcher and the real SlackPort) and the App Home must
show them as typed, escaped, so that no `<…>` markup other than our own reaches Slack.
tests/slack/test_ask.py covers the answer path (/protocol and "share in channel").

Slack's formatting characters (`*bold*`, `_italic_`, `~strike~`) are not control characters:
they may style a word, never ping or link, and stay as typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.assistant import Assistant
from bot.clock import ManualClock
from tests.security.conftest import ORG_FILE, open_store
from tests.slack.conftest import USER
from tests.slack.workflow_world import DIRECTOR, WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

PINGS = "<!channel> <!here> <!subteam^S123|@ouders> <@U123> <@U0DIR|dir> <#C1|algemeen>"
LINK = "<https://evil.example/login|klik hier> <mailto:a@b.example|mail>"
TYPED = f"{PINGS} {LINK} *vet* &lt;al ontsnapt&gt; &amp; 1 < 2 > 0"
ESCAPED_PINGS = "&lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S123|@ouders&gt; &lt;@U123&gt;"
ESCAPED_LINK = "&lt;https://evil.example/login|klik hier&gt;"
ANNA_DM, DIRECTOR_DM = f"D{USER}", f"D{DIRECTOR}"
GROUP = "G" + "-".join(sorted([USER, DIRECTOR]))
MARKUP = re.compile(r"<[^<>]*>")


@dataclass
class Sent:
    """Everything the workflows sent to Slack, after the whole flow ran once."""

    world: WorkflowWorld

    def posts(self, channel: str, containing: str = "") -> list[dict[str, Any]]:
        """The chat.postMessage arguments for `channel` (as posted, before any update)."""
        return [
            call.args
            for call in self.world.slack.of("chat.postMessage")
            if call.args["channel"] == channel and containing in mrkdwn_of(call.args)
        ]

    def published_home(self) -> dict[str, Any]:
        """The last App Home view published."""
        home: dict[str, Any] = self.world.slack.of("views.publish")[-1].args["view"]
        return home


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sent(
    request: pytest.FixtureRequest,
    assistant: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Sent]:
    """Anna asks her director about a draft and escalates, both full of control sequences; the
    director advises against with a comment like it; Anna adds a note; the director opens Home."""
    store = open_store(request.param, tmp_path_factory.mktemp("slack-inject"), request)
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM), ORG_FILE))
    try:
        world.command("/twijfel")
        world.submit(world.opened_view(0), {"draft": f"Concept: {TYPED}", "link": LINK})
        world.command("/escaleer")
        escalation = {"links": LINK, "what": f"Wat: {TYPED}", "urgency": "option:nu"}
        world.submit(world.opened_view(1), escalation, view_id="V2")
        world.dispatch()
        doubt_message = world.slack.in_channel(DIRECTOR_DM)[0]
        world.press_on(doubt_message, DIRECTOR_DM, "advise_against", user=DIRECTOR)
        world.submit(world.opened_view(2), {"comment": f"Nee: {TYPED}"}, user=DIRECTOR)
        assert world.command("/notitie", f"2 Notitie: {TYPED}") == 200
        world.wait_for("response_url")
        world.send_event(
            {"type": "app_home_opened", "user": DIRECTOR, "tab": "home"}, event_id="EvHome"
        )
        world.wait_for("views.publish")
        world.dispatch()
        yield Sent(world)
    finally:
        world.close()
        store.dispose()


def mrkdwn_of(message: dict[str, Any]) -> str:
    """Everything a message (or a call's arguments) carries: its fallback text, its blocks and
    views, as JSON text, where any `<…>` is markup Slack would act on."""
    return json.dumps(message, ensure_ascii=False)


def assert_inert(rendered: str) -> None:
    """No markup at all in `rendered`; the typed sequences are there, escaped."""
    assert MARKUP.findall(rendered) == []
    assert ESCAPED_PINGS in rendered
    assert "&amp;lt;al ontsnapt&amp;gt;" in rendered  # typed entities show as typed
    assert "1 &lt; 2 &gt; 0" in rendered
    assert "*vet*" in rendered


def test_the_directors_doubt_check_shows_the_draft_and_link_inert(sent: Sent) -> None:
    [message] = sent.posts(DIRECTOR_DM, containing="Twijfelcheck #1")

    rendered = mrkdwn_of(message)

    assert_inert(rendered)
    assert rendered.count(ESCAPED_LINK) >= 2  # in the draft and as the link field


def test_the_escalation_thread_and_alert_show_the_description_and_links_inert(
    sent: Sent,
) -> None:
    [parent] = sent.posts(GROUP, containing="[Escalatie #2]")
    [alert] = sent.posts(DIRECTOR_DM, containing="Escalatie #2")

    for message in (parent, alert):
        assert_inert(mrkdwn_of(message))
    assert "&lt;https://evil.example/login|klik, hier&gt;" in mrkdwn_of(alert)


def test_a_note_in_the_escalation_thread_is_inert(sent: Sent) -> None:
    [note] = sent.posts(GROUP, containing="Notitie van Juf Anna")

    assert note["thread_ts"]
    assert_inert(mrkdwn_of(note))


def test_the_directors_comment_reaches_the_requester_inert(sent: Sent) -> None:
    [told] = sent.posts(ANNA_DM, containing="raadt twijfelcheck #1 af")

    assert_inert(mrkdwn_of(told))


def test_updated_messages_stay_inert(sent: Sent) -> None:
    updates = [call.args for call in sent.world.slack.of("chat.update")]
    [parent] = [u for u in updates if u["channel"] == GROUP]

    assert_inert(mrkdwn_of(parent))
    assert all(MARKUP.findall(mrkdwn_of(update)) == [] for update in updates)


def test_app_home_lists_the_requests_inert(sent: Sent) -> None:
    rendered = mrkdwn_of(sent.published_home())

    assert MARKUP.findall(rendered) == []
    assert "#2 escalatie · open · Juf Anna" in rendered


def test_no_message_the_workflows_sent_carries_anyones_markup(sent: Sent) -> None:
    """The whole conversation at once: every post, update, notice and view."""
    methods = ("chat.postMessage", "chat.update", "response_url", "views.publish", "views.open")
    calls = [call for call in sent.world.slack.calls if call.method in methods]

    found = {tag for call in calls for tag in MARKUP.findall(mrkdwn_of(call.args))}

    assert found == set()  # not even a mention of our own: no reminder was due
    assert len(calls) >= 10


def test_no_message_asks_slack_to_turn_plain_names_into_mentions(sent: Sent) -> None:
    """A typed "@channel" or "#algemeen" is plain text to Slack unless a post asks it to link
    names (`link_names`, or `parse: full`); none does, so only `<!channel>` could ping, and
    that is escaped (above)."""
    methods = ("chat.postMessage", "chat.update", "response_url")
    calls = [call for call in sent.world.slack.calls if call.method in methods]

    asked = [c.method for c in calls if c.args.get("link_names") or c.args.get("parse") == "full"]

    assert asked == []
    assert any("@ouders" in mrkdwn_of(call.args) for call in calls)
