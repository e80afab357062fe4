"""Conversation references in the database: on SQLite and PostgreSQL, across restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.teams.ports import DbConversationReferences, StoredReference
from bot.store.db import Store
from tests.workflows.conftest import PgTarget, pg_store, pg_target  # noqa: F401 (a fixture)

REFERENCE = StoredReference(
    aad_object_id="aad-1",
    user_id="29:1user",
    conversation_id="a:personal-1",
    conversation_type="personal",
    service_url="https://smba.example/emea/",
    tenant_id="tenant-1",
    reference={"serviceUrl": "https://smba.example/emea/", "conversation": {"id": "a:personal-1"}},
)


@pytest.fixture(params=["sqlite", "postgresql"])
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Store]]:
    """Two stores on one database, as two processes (or before and after a restart) see it."""
    stores: list[Store] = []
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'refs.db'}"
        stores.append(Store.open(url))
        stores.append(Store.open(url))
    else:
        target: PgTarget | None = request.getfixturevalue("pg_target")
        stores.append(pg_store(target))
        stores.append(
            pg_store.__wrapped__(target) if hasattr(pg_store, "__wrapped__") else stores[0]
        )
    yield stores
    for store in stores:
        store.dispose()


def test_a_reference_survives_a_restart_and_is_replaced_per_type(reopen: list[Store]) -> None:
    first, second = (DbConversationReferences(s) for s in reopen)

    first.save(REFERENCE)
    newer = StoredReference(**{**REFERENCE.__dict__, "conversation_id": "a:personal-2"})
    second.save(newer)
    channel = StoredReference(**{**REFERENCE.__dict__, "conversation_type": "channel"})
    second.save(channel)

    assert first.get("aad-1") == newer
    assert first.get("aad-1", conversation_type="channel") == channel
    assert first.get("aad-unknown") is None
