"""A connector 429 tells the outbox how long to wait (Retry-After)."""

from __future__ import annotations

from types import SimpleNamespace

from adapters.teams.chat_port import TeamsRateLimited, _retry_after
from bot.ports import RetryLater


def test_retry_after_is_read_from_the_connector_response() -> None:
    assert _retry_after(SimpleNamespace(headers={"Retry-After": "7"})) == 7.0
    assert _retry_after(SimpleNamespace(headers={"Retry-After": "soon"})) == 0.0
    assert _retry_after(None) == 0.0


def test_a_rate_limit_is_a_retry_later_for_the_dispatcher() -> None:
    error = TeamsRateLimited("HTTP 429", retry_after=7)
    assert isinstance(error, RetryLater) and error.retry_after == 7.0
