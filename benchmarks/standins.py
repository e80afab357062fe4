"""Loopback stand-ins for the load benchmark: Slack's Web API and the Bot Framework connector.

Run as its own process (`python benchmarks/standins.py`), so that answering the server's
replies does not share a CPU or an event loop with the load generator. It prints
`listening <port>` on stdout once it serves, and records the arrival of every reply, keyed
by its conversation (the benchmark gives every event its own Slack channel or Teams
conversation), with `time.monotonic()`, a clock shared by every process on Linux.

Routes:
- POST /api/{method}: the Slack Web API (auth.test for Bolt, chat.postMessage recorded);
- POST /v3/conversations/{conversation}/activities[/{activity}]: the connector (recorded);
- GET /_bench/deliveries: every recorded arrival, and the count of calls per method.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections import Counter
from typing import Any

from aiohttp import web

BOT_IDENTITY = {"ok": True, "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT", "user": "bot"}
DELIVERIES_PATH = "/_bench/deliveries"


class Recorder:
    """The arrivals of the server's replies and the calls seen, per method."""

    def __init__(self) -> None:
        self.slack: dict[str, list[float]] = {}
        self.teams: dict[str, list[float]] = {}
        self.calls: Counter[str] = Counter()

    def app(self) -> web.Application:
        """The stand-ins' aiohttp application."""
        app = web.Application()
        app.router.add_post("/api/{method}", self.web_api)
        app.router.add_post("/v3/conversations/{conversation}/activities", self.connector)
        app.router.add_post(
            "/v3/conversations/{conversation}/activities/{activity}", self.connector
        )
        app.router.add_get(DELIVERIES_PATH, self.deliveries)
        return app

    async def web_api(self, request: web.Request) -> web.Response:
        """A Slack Web API method: chat.postMessage is recorded, every call answers ok."""
        arrived = time.monotonic()
        method = request.match_info["method"]
        self.calls[method] += 1
        if method == "auth.test":
            return web.json_response(BOT_IDENTITY)
        if method != "chat.postMessage":
            return web.json_response({"ok": True})
        channel = str((await slack_args(request)).get("channel"))
        self.slack.setdefault(channel, []).append(arrived)
        ts = f"1700000000.{self.calls[method]:06d}"
        return web.json_response({"ok": True, "channel": channel, "ts": ts})

    async def connector(self, request: web.Request) -> web.Response:
        """A Bot Connector activity post: recorded by conversation."""
        arrived = time.monotonic()
        self.calls["teams.activity"] += 1
        await request.read()
        conversation = request.match_info["conversation"]
        self.teams.setdefault(conversation, []).append(arrived)
        return web.json_response({"id": f"reply-{self.calls['teams.activity']}"})

    async def deliveries(self, _request: web.Request) -> web.Response:
        """Everything recorded so far."""
        return web.json_response(
            {"slack": self.slack, "teams": self.teams, "calls": dict(self.calls)}
        )


async def slack_args(request: web.Request) -> dict[str, Any]:
    """The arguments of a Web API call, sent as JSON or as a form."""
    if request.content_type == "application/json":
        data = await request.json()
        return data if isinstance(data, dict) else {}
    return dict(await request.post())


async def serve(port: int) -> None:
    """Serve on 127.0.0.1:`port` (0: any free port) until the process is stopped."""
    runner = web.AppRunner(Recorder().app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    print(f"listening {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    """Parse the port and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
