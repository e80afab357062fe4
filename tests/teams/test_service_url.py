"""Where the bot may send its replies (issue 14: the Teams route could be steered to any URL).

- Without MICROSOFT_APP_ID (and without the local opt-in) Teams is off: 503 naming what is
  missing, and nothing is sent.
- With POLICYBOT_TEAMS_INSECURE_LOCAL=1 and no app id, only loopback serviceUrls are taken;
  any other is refused with 403 before the bot runs, and the dispatcher cannot send there.
- With authentication on, the activity's serviceUrl must be the one the token's `serviceurl`
  claim names (botbuilder checks it for channel tokens, and the route checks it again).

Over real HTTP on loopback into the route, as tests/teams/conftest.py serves it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from botframework.connector.auth._parameterized_bot_framework_authentication import (  # type: ignore[import-untyped]
    _ParameterizedBotFrameworkAuthentication as SdkAuthentication,
)

from adapters.teams.service_url import ServiceUrlRefused, is_loopback_url
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.models import Reply
from bot.ports import Recipient
from bot.store.db import Store
from tests.teams.conftest import (
    AAD,
    FakeConnector,
    FakeIdentity,
    TeamsWorld,
    card_of,
    message,
)
from tests.teams.workflow_world import WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"
NOT_CONFIGURED = {
    "error": "teams_not_configured",
    "missing": ["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"],
}
# serviceUrls that are not loopback, or could be read as another host by another URL parser;
# {port} is the connector stand-in's port.
NOT_LOOPBACK = {
    "teams-connector": "https://smba.trafficmanager.net/emea/",
    "cloud-metadata": "http://169.254.169.254/latest/meta-data/",
    "private-network": "http://10.0.0.1:8080/",
    "all-interfaces": "http://0.0.0.0:{port}/",
    "user-info-then-another-host": "http://127.0.0.1:{port}@evil.example/",
    "backslash-then-loopback": "http://evil.example\\@127.0.0.1:{port}/",
    "a-name-starting-with-localhost": "http://localhost.evil.example:{port}/",
    "loopback-as-a-decimal-number": "http://2130706433:{port}/",
    "loopback-in-short-form": "http://127.1:{port}/",
}


def another_connector(world: TeamsWorld) -> FakeConnector:
    """A second connector stand-in on loopback: where a forged serviceUrl would send replies."""
    stand_in = FakeConnector()
    stand_in.base_url = world.run(world._start(stand_in.app()))
    return stand_in


def port_of(world: TeamsWorld) -> str:
    """The connector stand-in's port."""
    return world.connector.base_url.rsplit(":", 1)[1]


def test_without_an_app_id_or_the_opt_in_teams_is_off_and_answers_503(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="policybot.teams"):
        world = TeamsWorld(assistant)
    try:
        answers = [world.send(message(world, PHOTOS)), world.post(b"{not json")]
    finally:
        world.close()

    assert [(a.status, a.json()) for a in answers] == [(503, NOT_CONFIGURED)] * 2
    assert world.connector.calls == []
    assert world.references.get(AAD) is None
    disabled = "Teams disabled: MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD not set"
    assert any(disabled in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("url", NOT_LOOPBACK.values(), ids=NOT_LOOPBACK.keys())
def test_without_authentication_a_service_url_that_is_not_loopback_is_refused(
    world: TeamsWorld, url: str
) -> None:
    activity = message(world, PHOTOS, serviceUrl=url.format(port=port_of(world)))

    answer = world.send(activity)

    assert (answer.status, answer.json()) == (403, {"error": "service_url_not_allowed"})
    assert world.connector.calls == []
    assert world.references.get(AAD) is None  # the bot never ran: nothing to reach later


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_without_authentication_a_loopback_service_url_is_answered(
    world: TeamsWorld, host: str
) -> None:
    url = f"http://{host}:{port_of(world)}/"

    answer = world.send(message(world, PHOTOS, serviceUrl=url))

    [call] = world.connector.calls
    assert answer.status == 200
    assert card_of(call)["version"] == "1.5"
    stored = world.references.get(AAD)
    assert stored is not None and stored.service_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "https://127.8.9.10/api/",
        "http://[::1]:3978/",
        "http://LocalHost/",
        "http://localhost:3978/v3/",
    ],
)
def test_loopback_urls(url: str) -> None:
    assert is_loopback_url(url)


@pytest.mark.parametrize(
    "url",
    [
        *(u.format(port=9) for u in NOT_LOOPBACK.values()),
        "ftp://127.0.0.1/",
        "127.0.0.1:9",
        "http://[::1/",
        "http:// 127.0.0.1/",
        "http://127.0.0.1\t.evil.example/",
    ],
)
def test_urls_that_are_not_loopback(url: str) -> None:
    assert not is_loopback_url(url)


def test_without_authentication_the_dispatcher_sends_nowhere_but_loopback(
    assistant: Assistant, tmp_path: Path
) -> None:
    """A stored reference that names another host (e.g. from a database an authenticated
    server shared) gets no connector client: the delivery fails and nothing is sent."""
    store = Store.open(f"sqlite:///{tmp_path / 'teams.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    try:
        world.say(AAD, "hallo")
        reference = world.references.get(AAD)
        assert reference is not None
        elsewhere = "https://smba.trafficmanager.net/emea/"
        moved = {**reference.reference, "serviceUrl": elsewhere}
        world.references.save(replace(reference, service_url=elsewhere, reference=moved))
        world.connector.calls.clear()
        recipient = Recipient("anna@kofschip.example", "Juf Anna", AAD)
        notice = Reply(kind="notice", lang="nl", text="De post is weg")

        with pytest.raises(Exception) as refused:
            world.run(asyncio.to_thread(world.port.send, recipient, notice, key="r1:note"))
    finally:
        world.close()
        store.dispose()

    assert caused_by(refused.value, ServiceUrlRefused)
    assert world.connector.calls == []


def caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether `error` or one of its causes is a `kind`."""
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def test_with_authentication_a_service_url_the_token_does_not_name_is_refused(
    secured: TeamsWorld, identity: FakeIdentity
) -> None:
    """Microsoft's token names the real connector; the activity names another server."""
    elsewhere = another_connector(secured)
    token = identity.token(service_url=secured.service_url)

    forged_activity = message(secured, PHOTOS, serviceUrl=elsewhere.base_url + "/")
    forged = secured.send(forged_activity, token=token)
    honest = secured.send(message(secured, PHOTOS), token=token)

    assert (forged.status, forged.json()) == (401, {"error": "unauthorized"})
    assert elsewhere.calls == []
    assert honest.status == 200  # the same token with the serviceUrl it names is fine
    assert len(secured.connector.calls) == 1


def test_with_authentication_a_token_without_a_serviceurl_claim_is_refused(
    secured: TeamsWorld, identity: FakeIdentity
) -> None:
    token = identity.token(service_url=secured.service_url, serviceurl=None)

    answer = secured.send(message(secured, PHOTOS), token=token)

    assert answer.status == 401
    assert secured.connector.calls == []


def test_the_route_checks_the_claim_even_where_botbuilder_would_not(
    secured: TeamsWorld,
    identity: FakeIdentity,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """botbuilder compares the claim only for channel tokens, and only when it is given the
    activity's serviceUrl; with its comparison switched off, the route still refuses."""
    name = "_government_channel_validation_validate_identity"
    original: Callable[..., Any] = getattr(SdkAuthentication, name)

    async def without_the_service_url(self: Any, claims: Any, service_url: str) -> None:
        await original(self, claims, None)

    monkeypatch.setattr(SdkAuthentication, name, without_the_service_url)
    elsewhere = another_connector(secured)
    token = identity.token(service_url=secured.service_url)

    with caplog.at_level(logging.INFO, logger="policybot.teams"):
        forged = secured.send(
            message(secured, PHOTOS, serviceUrl=elsewhere.base_url + "/"), token=token
        )
    honest = secured.send(message(secured, PHOTOS), token=token)

    assert forged.status == 401
    assert elsewhere.calls == []
    assert any("serviceUrl is not the token's" in r.getMessage() for r in caplog.records)
    assert honest.status == 200
