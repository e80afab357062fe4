"""Load benchmark of `policybot serve`: ack latency, throughput, errors and memory under load.

Run on demand (not a test): `make load`, or
    .venv/bin/python benchmarks/load_slack.py [--rate 200] [--seconds 20] [--db both] [--workers 1]

For each database (SQLite in a temporary folder; PostgreSQL in a fresh schema of its own,
migrated first and dropped afterwards) it starts the real server (`python -m bot.cli serve`)
and, in another process, stand-ins for Slack's Web API and the Bot Framework connector
(benchmarks/standins.py), all on 127.0.0.1. It then sends, open loop at a fixed rate, signed
Slack direct-message events (every one with its own event_id and channel) and Teams personal-chat
activities (every one with its own conversation), after a warm-up at the same rate.

With --workers N the server runs with WEB_CONCURRENCY=N: a supervising serve process and N web
processes forked under it, on one socket (a serve that ignores the setting stays one process).

Measured:
- ack latency: from sending the request to receiving the HTTP response (Slack wants it within
  3 s; a Teams turn answers after the reply is posted, so its ack includes the reply);
- answer delivery: from sending the request to the reply reaching the stand-in;
- throughput, errors (non-2xx or exceptions), acks over 3 s, answers missing or duplicated
  (every event must be answered exactly once) and the server's peak RSS (VmHWM): the sum over
  its processes, and the largest one;
- CPU: the server's milliseconds per event, and the cores busy (server, this benchmark, and
  everything else on the machine, PostgreSQL included), so a run on a busy machine shows it.
  "The server" is the serve process and every process under it (its web workers).

The client never retries and waits up to 60 s for an ack, so an overloaded server shows its
real latency (Slack itself would give up after 3 s and retry). It exits 1 when an event failed,
was acknowledged after 3 s, or was answered other than exactly once; the 200 events/s target
is reported, not enforced.

Teams authentication is off (MICROSOFT_APP_ID empty, POLICYBOT_TEAMS_INSECURE_LOCAL=1): a
loopback benchmark has no Bot Framework tokens to check. The server logs JSON to a file in the
temporary folder, not to the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp

from adapters.config import SETTING_PREFIXES
from bot.model_cache import CACHE_ENV

ROOT = Path(__file__).resolve().parents[1]
STANDINS = Path(__file__).with_name("standins.py")
DELIVERIES_PATH = "/_bench/deliveries"
SLACK_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
SECRET = "load-benchmark-signing-secret-0123"
TOKEN = "xoxb-load-benchmark-token"
PG_ENV = "POLICYBOT_TEST_DATABASE_URL"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCRUBBED = SETTING_PREFIXES
TARGET_RATE = 200.0
TARGET_P99_MS = 100.0
SLACK_WINDOW_S = 3.0
TEAMS_AUTH_NOTE = (
    "off (MICROSOFT_APP_ID empty, POLICYBOT_TEAMS_INSECURE_LOCAL=1: loopback benchmark, "
    "no Bot Framework tokens)"
)
USERS = 40
TICKS = os.sysconf("SC_CLK_TCK")

QUESTIONS = (
    "Mag ik foto's van mijn klas op Instagram zetten?",
    "Mag ik een filmpje van de kerstviering op Facebook delen?",
    "Mag ik ouders van mijn leerlingen als vriend toevoegen op Facebook?",
    "Mag ik een leerling volgen op TikTok?",
    "Een ouder scheldt de school uit in een Facebookgroep, wat moet ik doen?",
    "Mag ik in de klassenapp een foto van de schoolreis zetten?",
    "Moet ik toestemming vragen voordat ik een foto van een kind online zet?",
    "Mag ik op LinkedIn vertellen waar ik werk?",
    "Er staat een nare video van een collega op YouTube, wie moet ik inlichten?",
    "Mag ik mijn privé-Instagram gebruiken voor foto's van het schoolplein?",
    "Mag ik reageren op een negatieve recensie over onze school?",
    "Wat doe ik als een leerling mij een vriendschapsverzoek stuurt?",
    "Mogen kinderen met hun naam in een bericht op de schoolwebsite staan?",
    "Mag ik een foto van de sportdag op Twitter plaatsen zonder gezichten?",
    "Geldt het protocol ook voor stagiaires en vrijwilligers?",
    "Mag ik in een WhatsAppgroep met ouders over een leerling praten?",
    "Hoe lang mogen foto's van leerlingen op de website blijven staan?",
    "Mag ik tijdens lestijd berichten plaatsen op mijn eigen account?",
    "Ik word online bedreigd door een ouder, wat nu?",
    "Mag ik een foto van een schoolkamp delen in een besloten groep?",
    "Can I post pictures of my class on Instagram?",
    "Is it okay to follow a pupil's parents on Facebook?",
)
OPENINGS = ("", "", "Hoi, ", "Vraagje: ", "Goedemorgen! ", "Even checken: ", "Hallo, ")
CLOSINGS = ("", "", " Alvast bedankt!", " Groetjes", " Dank je!", " Het is best dringend.")


def vary(rng: random.Random) -> str:
    """A question of the list, dressed as staff would type it (a greeting, thanks, case)."""
    text = rng.choice(OPENINGS) + rng.choice(QUESTIONS) + rng.choice(CLOSINGS)
    return text.lower() if rng.random() < 0.3 else text


@dataclass(frozen=True)
class Options:
    """What to run: the rate, the durations, the databases, the server's web processes and
    where to write JSON."""

    rate: float
    seconds: float
    warmup: float
    databases: tuple[str, ...]
    pg_url: str
    teams_share: float
    drain: float
    json_file: Path | None
    seed: int
    logs: Path | None = None
    workers: int = 1


@dataclass(frozen=True)
class Event:
    """One event to send: its key (the channel or conversation the answer goes to) and body."""

    key: str
    platform: str
    path: str
    body: bytes
    content_type: str = "application/json"
    measured: bool = True


@dataclass
class Outcome:
    """What happened to one event on the client side (times from time.monotonic())."""

    event: Event
    due: float
    started: float = 0.0
    ended: float = 0.0
    status: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.error is None and 200 <= self.status < 300

    @property
    def ack_ms(self) -> float:
        """The ack latency in milliseconds."""
        return (self.ended - self.started) * 1000


@dataclass
class Deliveries:
    """The replies the stand-ins received: arrival times per key, and calls per method."""

    arrivals: dict[str, list[float]] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------- options


def parse_args(argv: Sequence[str] | None) -> Options:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="events per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured duration per db")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds (same rate)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(PG_ENV, "").strip() or PG_DEFAULT,
        help=f"PostgreSQL server (default: ${PG_ENV} or {PG_DEFAULT}); a schema is made per run",
    )
    parser.add_argument("--teams-share", type=float, default=0.25, help="share of Teams events")
    parser.add_argument("--drain", type=float, default=20.0, help="max seconds to await answers")
    parser.add_argument("--json", type=Path, dest="json_file", help="also write results here")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--logs", type=Path, help="keep the server logs in this folder")
    parser.add_argument(
        "--workers", type=int, default=1, help="web processes of the server (WEB_CONCURRENCY)"
    )
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or not 0 <= args.teams_share <= 1:
        parser.error("--rate and --seconds must be positive, --teams-share within 0..1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    databases = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    return Options(
        rate=args.rate,
        seconds=args.seconds,
        warmup=max(0.0, args.warmup),
        databases=databases,
        pg_url=args.pg_url,
        teams_share=args.teams_share,
        drain=args.drain,
        json_file=args.json_file,
        seed=args.seed,
        logs=args.logs,
        workers=args.workers,
    )


# ---------------------------------------------------------------------------- events


def sign(body: bytes, timestamp: int) -> dict[str, str]:
    """Slack's v0 signature headers: HMAC-SHA256 of "v0:{ts}:{body}" with the signing secret."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def slack_event(n: int, tag: str, text: str, user: int) -> Event:
    """A signed-at-send message.im event callback; its own event_id and DM channel."""
    channel = f"D{tag}{n:07d}"
    ts = f"{1700000000 + n}.000100"
    body = {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{tag}{n:07d}",
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel": channel,
            "channel_type": "im",
            "user": f"U{user:07d}",
            "text": text,
            "ts": ts,
            "event_ts": ts,
        },
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }
    return Event(channel, "slack", SLACK_PATH, json.dumps(body).encode())


def teams_activity(n: int, tag: str, text: str, user: int, service_url: str) -> Event:
    """A Teams personal-chat message; its own conversation, so its reply can be told apart."""
    conversation = f"a:load-{tag}-{n}"
    body = {
        "type": "message",
        "id": f"{1700000000000 + n}",
        "timestamp": "2026-11-23T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:user-{user}", "name": "Juf Anna", "aadObjectId": f"aad-{user}"},
        "recipient": {"id": "28:bot", "name": "Protocolbot"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "t1"},
        "channelData": {"tenant": {"id": "t1"}},
        "locale": "nl-NL",
        "text": text,
    }
    return Event(conversation, "teams", TEAMS_PATH, json.dumps(body).encode())


def plan_events(options: Options, service_url: str) -> list[Event]:
    """The warm-up events, then the measured ones, in a fixed pseudo-random mix."""
    rng = random.Random(options.seed)
    tag = uuid.uuid4().hex[:6].upper()
    warmup = round(options.rate * options.warmup)
    total = warmup + max(1, round(options.rate * options.seconds))
    events = []
    for n in range(total):
        text, user = vary(rng), rng.randrange(USERS)
        if rng.random() < options.teams_share:
            event = teams_activity(n, tag, text, user, service_url)
        else:
            event = slack_event(n, tag, text, user)
        events.append(event if n >= warmup else replace(event, measured=False))
    return events


# ---------------------------------------------------------------------------- load


async def send(session: aiohttp.ClientSession, base_url: str, outcome: Outcome) -> Outcome:
    """POST one event (Slack's signed with the current time) and time the ack."""
    event = outcome.event
    headers = {"Content-Type": event.content_type}
    if event.platform == "slack":
        headers.update(sign(event.body, int(time.time())))
    outcome.started = time.monotonic()
    try:
        async with session.post(base_url + event.path, data=event.body, headers=headers) as resp:
            await resp.read()
            outcome.status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        outcome.error = type(exc).__name__
    outcome.ended = time.monotonic()
    return outcome


async def generate_load(base_url: str, events: list[Event], rate: float) -> list[Outcome]:
    """Open loop: event i is sent at start + i / rate, whatever the earlier ones are doing."""
    connector = aiohttp.TCPConnector(limit=2000, limit_per_host=2000)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.monotonic() + 0.05
        tasks = []
        for n, event in enumerate(events):
            due = start + n / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            outcome = Outcome(event, due)
            tasks.append(asyncio.create_task(send(session, base_url, outcome)))
        return await asyncio.gather(*tasks)


def fetch_deliveries(standins_url: str) -> Deliveries:
    """What the stand-ins recorded so far."""
    with urllib.request.urlopen(standins_url + DELIVERIES_PATH, timeout=30) as response:
        data = json.loads(response.read())
    return Deliveries({**data["slack"], **data["teams"]}, data["calls"])


def await_answers(standins_url: str, keys: set[str], drain: float) -> None:
    """Poll the stand-ins until every key was answered, or for at most `drain` seconds."""
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline:
        if keys <= fetch_deliveries(standins_url).arrivals.keys():
            return
        time.sleep(0.1)


def settled_deliveries(standins_url: str) -> Deliveries:
    """Every answer recorded, a second after the last expected one (a late duplicate)."""
    time.sleep(1.0)
    return fetch_deliveries(standins_url)


# ---------------------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers_200(url: str) -> bool:
    """Whether GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Wait until GET `url` answers 200; fail when the process dies or 60 s pass."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited {process.returncode}:\n{log.read_text()[-3000:]}")
        if answers_200(url):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 30 s (to the process and every process under it)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.wait()


def kill_tree(pid: int) -> None:
    """SIGKILL `pid` and its descendants (listed first: once it is dead they are reparented)."""
    for member in reversed(process_tree(pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


@dataclass(frozen=True)
class Child:
    """A child process serving HTTP on loopback."""

    pid: int
    url: str


@contextmanager
def running(
    args: list[str], health_path: str, *, env: dict[str, str], cwd: Path, log: Path
) -> Iterator[Child]:
    """A child that serves HTTP on env["PORT"], once GET `health_path` answers 200."""
    url = f"http://127.0.0.1:{env['PORT']}"
    with log.open("wb") as stderr:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        wait_until_up(process, url + health_path, log)
        yield Child(process.pid, url)
    finally:
        stop(process)


def standins_running(workdir: Path) -> AbstractContextManager[Child]:
    """The Slack Web API and connector stand-ins (benchmarks/standins.py)."""
    port = str(free_port())
    args = [sys.executable, str(STANDINS), "--port", port]
    env = {**base_env(), "PORT": port}
    return running(args, DELIVERIES_PATH, env=env, cwd=workdir, log=workdir / "standins.log")


def server_running(
    workdir: Path, database_url: str, standins: Child, log: Path, workers: int
) -> AbstractContextManager[Child]:
    """`policybot serve` on `database_url` with `workers` web processes, replying to the
    stand-ins, ready for traffic (once one web process answers /readyz)."""
    args = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"]
    env = server_env(database_url, standins.url, free_port(), workers)
    return running(args, "/readyz", env=env, cwd=workdir, log=log)


def base_env() -> dict[str, str]:
    """This environment without any of the bot's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    if CACHE_ENV in os.environ:  # the caller's trained-model cache: servers start warm
        env[CACHE_ENV] = os.environ[CACHE_ENV]
    env["PYTHONPATH"] = str(ROOT)
    return env


def server_env(database_url: str, standins_url: str, port: int, workers: int) -> dict[str, str]:
    """The server's settings: the stand-in Web API, this database, JSON logs, Teams auth off,
    `workers` web processes."""
    return {
        **base_env(),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{standins_url}/api/",
        "POLICYBOT_LOG_FORMAT": "json",
        "MICROSOFT_APP_ID": "",
        "POLICYBOT_TEAMS_INSECURE_LOCAL": "1",  # Teams without tokens, loopback serviceUrls only
    }


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size (VmHWM) in MiB; NaN where /proc has none."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return math.nan
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state first, then ppid); empty
    where the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far, with those of its children that ended and
    were waited for (a web worker replaced mid-run); 0 where /proc has none."""
    fields = stat_fields(pid)
    if not fields:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICKS


def children_by_parent() -> dict[int, list[int]]:
    """Every process on the machine, by the pid of its parent (from /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, parents before children; empty when `pid` is gone."""
    if not stat_fields(pid):
        return []
    children = children_by_parent()
    tree = [pid]
    for member in tree:  # grows while it is walked: breadth first
        tree.extend(children.get(member, []))
    return tree


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of `pid` and every process under it (see process_cpu_seconds)."""
    return sum(process_cpu_seconds(member) for member in process_tree(pid))


@dataclass(frozen=True)
class TreeMemory:
    """Peak RSS (VmHWM) over a process tree: how many processes, the sum and the largest."""

    processes: int
    total_mib: float
    largest_mib: float


def tree_peak_rss(pid: int) -> TreeMemory:
    """The peak RSS of `pid` and every process under it (NaN when none has a VmHWM)."""
    peaks = [peak_rss_mib(member) for member in process_tree(pid)]
    known = [peak for peak in peaks if not math.isnan(peak)]
    if not known:
        return TreeMemory(len(peaks), math.nan, math.nan)
    return TreeMemory(len(peaks), sum(known), max(known))


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent busy so far: user, nice, system, irq and
    softirq (not idle, iowait, or time the hypervisor stole)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = values
    return (user + nice + system + irq + softirq) / TICKS


def cpu_snapshot(server: int, standins: int) -> dict[str, float]:
    """The CPU seconds used so far: the machine, the server and the stand-ins (each with every
    process under it), this process (without its children: they are those two)."""
    return {
        "wall": time.monotonic(),
        "machine": machine_busy_seconds(),
        "server": tree_cpu_seconds(server),
        "standins": tree_cpu_seconds(standins),
        "client": time.process_time(),
    }


def cpu_usage(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    """Cores busy on average from the first event to the last answer (server, stand-ins,
    client, everything else), and the server's CPU milliseconds per event.

    Each process is counted once: the server's tree (its web workers) and the stand-ins' are
    apart, and the client's time.process_time() leaves out its children (those two)."""
    wall = after["wall"] - before["wall"]
    used = {name: (after[name] - before[name]) / wall for name in after if name != "wall"}
    ours = used["server"] + used["standins"] + used["client"]
    return {
        "cores": os.cpu_count() or 0,
        "machine_busy_cores": round(used["machine"], 2),
        "server_cores": round(used["server"], 2),
        "standins_cores": round(used["standins"], 2),
        "client_cores": round(used["client"], 2),
        "other_cores": round(max(0.0, used["machine"] - ours), 2),
        "server_ms_per_event": round((after["server"] - before["server"]) * 1000 / events, 2),
    }


def log_levels(log: Path) -> dict[str, int]:
    """How many WARNING / ERROR / CRITICAL lines the server logged (JSON lines)."""
    counts = {"WARNING": 0, "ERROR": 0, "CRITICAL": 0}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            level = json.loads(line).get("level")
        except (ValueError, AttributeError):
            continue
        if level in counts:
            counts[level] += 1
    return counts


# ---------------------------------------------------------------------------- databases


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    """A new SQLite file (the server migrates it on start)."""
    yield f"sqlite:///{workdir / 'load.db'}"


@contextmanager
def postgres_database(pg_url: str) -> Iterator[str]:
    """A fresh, migrated schema of our own on `pg_url`, dropped afterwards (nothing else is)."""
    from bot.store.db import create_schema, drop_schema, make_engine, upgrade

    schema = f"policybot_load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    try:
        create_schema(admin, schema)
        migrated = make_engine(pg_url, schema=schema)
        upgrade(migrated)
        migrated.dispose()
        separator = "&" if "?" in pg_url else "?"
        yield f"{pg_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        drop_schema(admin, schema)
        admin.dispose()


@contextmanager
def database(name: str, options: Options, workdir: Path) -> Iterator[str]:
    """The database URL the server gets."""
    manager = sqlite_database(workdir) if name == "sqlite" else postgres_database(options.pg_url)
    with manager as url:
        yield url


# ---------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile `q` (0..100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def spread(values: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max, rounded to 0.1."""
    return {
        "p50": round(percentile(values, 50), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1) if values else math.nan,
    }


def exactly_once(outcomes: list[Outcome], deliveries: Deliveries) -> dict[str, int]:
    """Every event sent (warm-up included) against the answers that reached the stand-ins."""
    keys = {o.event.key for o in outcomes}
    counts = [len(deliveries.arrivals.get(key, [])) for key in keys]
    unexpected = len(deliveries.arrivals.keys() - keys)
    return {
        "events_sent": len(outcomes),
        "answered": sum(1 for c in counts if c >= 1),
        "missing": sum(1 for c in counts if c == 0),
        "duplicated": sum(1 for c in counts if c > 1),
        "unexpected_keys": unexpected,
    }


def answer_ms(outcomes: list[Outcome], deliveries: Deliveries) -> list[float]:
    """Per answered event: from sending it to its (first) answer reaching the stand-in."""
    times = []
    for outcome in outcomes:
        arrivals = deliveries.arrivals.get(outcome.event.key)
        if arrivals:
            times.append((min(arrivals) - outcome.started) * 1000)
    return times


def throughput(outcomes: list[Outcome]) -> float:
    """Acknowledged events per second over the measured phase."""
    acked = [o for o in outcomes if o.ok]
    if not acked:
        return 0.0
    elapsed = max(o.ended for o in acked) - min(o.started for o in outcomes)
    return round(len(acked) / elapsed, 1) if elapsed > 0 else math.nan


def answered_throughput(outcomes: list[Outcome], deliveries: Deliveries) -> float:
    """Answers delivered per second over the measured phase."""
    firsts = [
        min(deliveries.arrivals[o.event.key])
        for o in outcomes
        if o.event.key in deliveries.arrivals
    ]
    if not firsts:
        return 0.0
    elapsed = max(firsts) - min(o.started for o in outcomes)
    return round(len(firsts) / elapsed, 1) if elapsed > 0 else math.nan


def errors_of(outcomes: list[Outcome]) -> dict[str, int]:
    """The failed acks by kind: an HTTP status or an exception's name."""
    found: dict[str, int] = {}
    for outcome in outcomes:
        if not outcome.ok:
            kind = outcome.error or f"HTTP {outcome.status}"
            found[kind] = found.get(kind, 0) + 1
    return found


def per_platform(outcomes: list[Outcome], deliveries: Deliveries) -> dict[str, Any]:
    """The ack and answer spreads of each platform."""
    result: dict[str, Any] = {}
    for name in ("slack", "teams"):
        mine = [o for o in outcomes if o.event.platform == name]
        result[name] = {
            "events": len(mine),
            "ack_ms": spread([o.ack_ms for o in mine if o.ok]),
            "answer_ms": spread(answer_ms(mine, deliveries)),
        }
    return result


def summarise(
    db: str, options: Options, outcomes: list[Outcome], deliveries: Deliveries
) -> dict[str, Any]:
    """The figures of one run (the measured phase; exactly-once over every event sent)."""
    measured = [o for o in outcomes if o.event.measured]
    errors = errors_of(measured)
    failed = sum(errors.values())
    return {
        "db": db,
        "rate_asked": options.rate,
        "workers": options.workers,
        "seconds": options.seconds,
        "warmup_seconds": options.warmup,
        "events_measured": len(measured),
        "throughput_per_s": throughput(measured),
        "answered_per_s": answered_throughput(measured, deliveries),
        "ack_ms": spread([o.ack_ms for o in measured if o.ok]),
        "answer_ms": spread(answer_ms(measured, deliveries)),
        "platforms": per_platform(measured, deliveries),
        "errors": failed,
        "error_rate": round(failed / len(measured), 5) if measured else 0.0,
        "error_kinds": errors,
        "acks_over_3s": sum(1 for o in outcomes if o.ack_ms > SLACK_WINDOW_S * 1000),
        "exactly_once": exactly_once(outcomes, deliveries),
        "client_lag_ms": spread([(o.started - o.due) * 1000 for o in measured]),
        "standin_calls": deliveries.calls,
        "teams_auth": TEAMS_AUTH_NOTE,
    }


def target_met(result: dict[str, Any]) -> bool:
    """200 events/s (within 2 %), p99 ack under 100 ms, nothing over 3 s, no errors."""
    return bool(
        result["rate_asked"] >= TARGET_RATE
        and result["throughput_per_s"] >= 0.98 * result["rate_asked"]
        and result["ack_ms"]["p99"] < TARGET_P99_MS
        and result["acks_over_3s"] == 0
        and result["errors"] == 0
    )


def correct(result: dict[str, Any]) -> bool:
    """No errors, nothing over 3 s, every event answered exactly once."""
    once = result["exactly_once"]
    return bool(
        result["errors"] == 0
        and result["acks_over_3s"] == 0
        and once["missing"] == 0
        and once["duplicated"] == 0
        and once["unexpected_keys"] == 0
    )


# ---------------------------------------------------------------------------- report


ROWS: tuple[tuple[str, Any], ...] = (
    ("rate asked (events/s)", lambda r: f"{r['rate_asked']:g}"),
    ("web processes asked / server processes", lambda r: _processes(r)),
    ("events measured (slack/teams)", lambda r: _split(r)),
    ("throughput acked (events/s)", lambda r: f"{r['throughput_per_s']:g}"),
    ("throughput answered (events/s)", lambda r: f"{r['answered_per_s']:g}"),
    ("ack p50 / p99 / max (ms)", lambda r: _triple(r["ack_ms"])),
    ("  slack ack p50 / p99 / max", lambda r: _triple(r["platforms"]["slack"]["ack_ms"])),
    ("  teams ack p50 / p99 / max", lambda r: _triple(r["platforms"]["teams"]["ack_ms"])),
    ("answer p50 / p99 / max (ms)", lambda r: _triple(r["answer_ms"])),
    ("  slack answer p50 / p99 / max", lambda r: _triple(r["platforms"]["slack"]["answer_ms"])),
    ("errors (rate)", lambda r: f"{r['errors']} ({r['error_rate']:.2%})"),
    ("acks over 3 s", lambda r: str(r["acks_over_3s"])),
    ("answered / missing / duplicated", lambda r: _once(r["exactly_once"])),
    ("server peak RSS (MiB)", lambda r: f"{r['peak_rss_mib']:.0f}"),
    ("  largest process peak RSS (MiB)", lambda r: f"{r['peak_rss_largest_mib']:.0f}"),
    ("server log warnings / errors", lambda r: _levels(r["server_log"])),
    ("server CPU per event (ms)", lambda r: f"{r['cpu']['server_ms_per_event']:g}"),
    (
        "cores busy: server / other processes",
        lambda r: f"{r['cpu']['server_cores']:g} / {_others(r)}",
    ),
    ("client send lag p99 (ms)", lambda r: f"{r['client_lag_ms']['p99']:g}"),
    ("target met", lambda r: "yes" if target_met(r) else "NO"),
)


def _split(result: dict[str, Any]) -> str:
    platforms = result["platforms"]
    slack, teams = platforms["slack"]["events"], platforms["teams"]["events"]
    return f"{result['events_measured']} ({slack}/{teams})"


def _processes(result: dict[str, Any]) -> str:
    return f"{result['workers']} / {result['server_processes']}"


def _triple(figures: dict[str, float]) -> str:
    return f"{figures['p50']:g} / {figures['p99']:g} / {figures['max']:g}"


def _once(once: dict[str, int]) -> str:
    return f"{once['answered']}/{once['events_sent']} / {once['missing']} / {once['duplicated']}"


def _others(result: dict[str, Any]) -> str:
    cpu = result["cpu"]
    return f"{cpu['other_cores']:g} (+{cpu['client_cores'] + cpu['standins_cores']:.2f} bench)"


def _levels(levels: dict[str, int]) -> str:
    return f"{levels['WARNING']} / {levels['ERROR'] + levels['CRITICAL']}"


def format_table(results: list[dict[str, Any]]) -> str:
    """The results side by side, one column per database."""
    cells = [[cell(r) for r in results] for _, cell in ROWS]
    widths = [
        3 + max([len(r["db"])] + [len(row[n]) for row in cells]) for n, r in enumerate(results)
    ]
    label_width = max(len(label) for label, _ in ROWS)
    header = "".join(r["db"].rjust(w) for r, w in zip(results, widths, strict=True))
    lines = ["".ljust(label_width) + header]
    for (label, _), row in zip(ROWS, cells, strict=True):
        values = "".join(c.rjust(w) for c, w in zip(row, widths, strict=True))
        lines.append(label.ljust(label_width) + values)
    lines.append(f"Teams authentication: {TEAMS_AUTH_NOTE}")
    lines.append(
        f"Target: {TARGET_RATE:g} events/s, p99 ack < {TARGET_P99_MS:g} ms, no ack over "
        f"{SLACK_WINDOW_S:g} s; exactly-once counts include the warm-up."
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------- runs


def run_database(db: str, options: Options) -> dict[str, Any]:
    """Start the stand-ins and the server on `db`, load them, and summarise."""
    with tempfile.TemporaryDirectory(prefix="policybot-load-") as tmp:
        workdir = Path(tmp)
        with database(db, options, workdir) as url:
            return load_servers(db, url, options, workdir)


def load_servers(db: str, database_url: str, options: Options, workdir: Path) -> dict[str, Any]:
    """The stand-ins, then the server, then the load; the figures once every answer is in."""
    log = workdir / "serve.log"
    with (
        standins_running(workdir) as standins,
        server_running(workdir, database_url, standins, log, options.workers) as server,
    ):
        events = plan_events(options, standins.url + "/")
        before = cpu_snapshot(server.pid, standins.pid)
        outcomes = asyncio.run(generate_load(server.url, events, options.rate))
        await_answers(standins.url, {event.key for event in events}, options.drain)
        cpu = cpu_usage(before, cpu_snapshot(server.pid, standins.pid), len(events))
        deliveries = settled_deliveries(standins.url)
        memory = tree_peak_rss(server.pid)
    result = summarise(db, options, outcomes, deliveries)
    result.update(
        server_processes=memory.processes,
        peak_rss_mib=round(memory.total_mib, 1),
        peak_rss_largest_mib=round(memory.largest_mib, 1),
        cpu=cpu,
        server_log=log_levels(log),
    )
    keep_log(log, options.logs, db)
    return result


def keep_log(log: Path, folder: Path | None, db: str) -> None:
    """Copy the server log to `folder` (when given) as serve-<db>.log."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, folder / f"serve-{db}.log")


def report(results: list[dict[str, Any]], options: Options, argv: Sequence[str]) -> None:
    """Print the table; write the JSON when asked."""
    print(format_table(results))
    if options.json_file is None:
        return
    document = {
        "command": ["benchmarks/load_slack.py", *argv],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "target": {
            "rate_per_s": TARGET_RATE,
            "ack_p99_ms": TARGET_P99_MS,
            "slack_window_s": SLACK_WINDOW_S,
        },
        "runs": results,
    }
    options.json_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {options.json_file}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run every database asked; exit 1 when an event was lost, doubled, failed or late."""
    given = list(sys.argv[1:] if argv is None else argv)
    options = parse_args(given)
    results = []
    for db in options.databases:
        print(
            f"{db}: {options.rate:g} events/s for {options.seconds:g} s"
            f" (+{options.warmup:g} s warm-up)...",
            flush=True,
        )
        results.append(run_database(db, options))
    report(results, options, given)
    return 0 if all(correct(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
