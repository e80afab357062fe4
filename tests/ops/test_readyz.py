"""GET /readyz: ready only with the database reachable and current, knowledge and org loaded."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from adapters.server import build_app
from adapters.slack.settings import SlackSettings
from bot.assistant import Assistant
from bot.health import ReadinessProbe
from bot.store.db import make_engine, upgrade


def ready_answer(assistant: Assistant, probe: ReadinessProbe | None) -> tuple[int, Any]:
    """Serve an app with `probe` on loopback and GET /readyz once."""

    async def go() -> tuple[int, Any]:
        settings = SlackSettings(_env_file=None)  # type: ignore[call-arg]
        app = build_app(assistant=assistant, slack_settings=settings, readiness=probe)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/readyz") as response,
            ):
                return response.status, await response.json()
        finally:
            await runner.cleanup()

    return asyncio.run(go())


def probe_for(url: str, *, org: str | None = None) -> ReadinessProbe:
    return ReadinessProbe(engine=make_engine(url), knowledge=lambda: None, org=lambda: org)


def test_ready_when_the_database_is_current(assistant: Assistant, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    upgrade(make_engine(url))

    assert ready_answer(assistant, probe_for(url)) == (200, {"status": "ready"})


def test_not_ready_when_migrations_are_behind(assistant: Assistant, tmp_path: Path) -> None:
    status, body = ready_answer(assistant, probe_for(f"sqlite:///{tmp_path / 'empty.db'}"))

    assert status == 503
    assert body["status"] == "not_ready"
    assert list(body["problems"]) == ["migrations"]


def test_not_ready_when_the_database_is_unreachable(assistant: Assistant) -> None:
    url = "postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none?connect_timeout=2"

    status, body = ready_answer(assistant, probe_for(url, org="the org file is invalid"))

    assert status == 503
    assert sorted(body["problems"]) == ["database", "org"]
    assert "hunter2" not in str(body)


def test_serve_is_ready_and_healthz_stays_liveness(serve_factory: Any) -> None:
    served = serve_factory()

    assert served.get("/readyz").json() == {"status": "ready"}
    assert served.get("/healthz").json() == {"status": "ok"}


def test_serve_with_a_broken_org_file_is_live_but_not_ready(
    serve_factory: Any, tmp_path: Path
) -> None:
    broken = tmp_path / "org.yaml"
    broken.write_text("schools: [oops\n", encoding="utf-8")
    served = serve_factory(POLICYBOT_ORG=str(broken))

    answer = served.get("/readyz")

    assert served.get("/healthz").status == 200
    assert answer.status == 503
    assert list(answer.json()["problems"]) == ["org"]
