"""Outbox keys: one builder and one reader, in the format already stored in databases."""

from __future__ import annotations

import pytest

from bot.outbox_keys import OutboxKey, loggable, request_id_of, request_key


@pytest.mark.parametrize(
    ("key", "stored"),
    [
        (
            OutboxKey(12, "submitted", "directeur@school.example"),
            "r12:submitted:directeur@school.example",
        ),
        (
            OutboxKey(12, "update:waiting", "juf@school.example"),
            "r12:update:waiting:juf@school.example",
        ),
        (OutboxKey(3, "thread"), "r3:thread"),
        (OutboxKey(3, "note7"), "r3:note7"),
    ],
)
def test_keys_keep_the_stored_format(key: OutboxKey, stored: str) -> None:
    assert str(key) == stored == request_key(key.request_id, key.event, key.recipient)


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("r12:submitted:a@b.nl", 12),
        ("r3:thread#0", 3),
        ("cmd:x", None),
        ("r:thread", None),
        ("", None),
    ],
)
def test_the_request_is_read_back_from_any_key(key: str, number: int | None) -> None:
    assert request_id_of(key) == number


def test_a_logged_key_never_shows_the_address() -> None:
    assert loggable("r12:submitted:directeur@school.example") == "r12"
    assert "@" not in loggable("weird:directeur@school.example")
