"""Shared fixtures, and a guard that makes any attempt to reach the internet fail loudly."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.matching import Index, build_index
from bot.model_cache import CACHE_ENV
from bot.models import Knowledge

_real_connect = socket.socket.connect


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX socket path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        raise RuntimeError(f"test tried to reach the network: {address!r} (only loopback allowed)")
    _real_connect(self, address)


def pytest_configure(config: pytest.Config) -> None:
    """One trained-model cache for the run, shared with the subprocesses tests start.

    It lives in pytest's cache folder: a fresh clone trains once, later runs start warm.
    """
    folder = config.rootpath / ".pytest_cache" / "policybot-models"
    os.environ.setdefault(CACHE_ENV, str(folder))


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`policybot serve` run in-process configures the root logger: undo that after a test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The bundled protocol and lexicon with the default school."""
    return load_knowledge()


@pytest.fixture(scope="session")
def index(knowledge: Knowledge) -> Index:
    """The matcher index over the bundled knowledge."""
    return build_index(knowledge)


@pytest.fixture(autouse=True, scope="session")
def _trained_model_cache(index: Index) -> None:
    """Train (or load) the bundled knowledge's model before any test starts a subprocess, so
    that `policybot serve` and friends start warm within their tests' start-up limits."""


@pytest.fixture(scope="session")
def assistant(knowledge: Knowledge, index: Index) -> Assistant:
    """An assistant over the bundled knowledge."""
    return Assistant(knowledge, index=index)
