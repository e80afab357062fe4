"""The dispatcher with an external-style port: retries, backoff, idempotency, ordering."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.dispatcher import Dispatcher
from bot.models import Reply
from bot.ports import Recipient, RetryLater
from bot.store.models import OutboxRow, RequestRow
from bot.store.outbox import Backoff
from bot.workflows.base import Actor, Context
from bot.workflows.doubt_check import DoubtDraft, decide, submit
from bot.workflows.escalation import EscalationInput, open_escalation
from bot.workflows.notes import add_note
from bot.workflows.parsing import InputError, when
from tests.workflows.conftest import AMSTERDAM, ANNA, DIRECTOR


class FlakyPort:
    """Fails the first `failures` calls; remembers what it sent by idempotency key."""

    platform = "console"

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: dict[str, str] = {}
        self.calls: list[str] = []

    def _deliver(self, key: str, text: str) -> str:
        self.calls.append(key)
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("platform down")
        self.sent[key] = text
        return f"msg-{key}"

    def send(self, recipient: Recipient, message: Reply, *, key: str) -> str:
        return self._deliver(key, message.text)

    def open_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str | None
    ) -> str:
        self._deliver(key, message.text)
        return f"thread-{key}"

    def post_in_thread(
        self, thread: str, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        assert thread.startswith("thread-")
        return self._deliver(key, message.text)

    def update(self, message_ref: str, recipient: Recipient, message: Reply, *, key: str) -> str:
        assert message_ref.startswith("msg-")
        return self._deliver(key, message.text)

    def find_sent(self, key: str) -> str | None:
        return f"msg-{key}" if key in self.sent else None


def rows(ctx: Context) -> list[OutboxRow]:
    with ctx.store.transaction() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def test_retries_with_exponential_backoff(ctx: Context, clock: ManualClock) -> None:
    port = FlakyPort(failures=2)
    dispatcher = Dispatcher(ctx, {"console": port}, backoff=Backoff(base=5, max_attempts=5))
    submit(ctx, Actor(ANNA), DoubtDraft("Open dag!"))
    dispatcher.run_once()
    [row] = rows(ctx)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "ConnectionError")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=5)
    dispatcher.run_once()
    assert len(port.calls) == 1  # not due yet
    clock.advance(seconds=5)
    dispatcher.run_once()
    assert rows(ctx)[0].next_attempt_at == clock.now() + timedelta(seconds=10)
    clock.advance(seconds=10)
    dispatcher.run_once()
    [row] = rows(ctx)
    assert (row.status, row.attempts, row.message_ref) == (
        "delivered",
        3,
        "msg-r1:submitted:" + DIRECTOR,
    )


def test_gives_up_after_max_attempts(ctx: Context, clock: ManualClock) -> None:
    dispatcher = Dispatcher(
        ctx, {"console": FlakyPort(99)}, backoff=Backoff(base=1, max_attempts=3)
    )
    submit(ctx, Actor(ANNA), DoubtDraft("Open dag!"))
    for _ in range(6):
        dispatcher.run_once()
        clock.advance(minutes=1)
    assert [(r.status, r.attempts) for r in rows(ctx)] == [("failed", 3)]


def test_a_retry_after_an_unrecorded_send_does_not_send_again(
    ctx: Context, clock: ManualClock
) -> None:
    port = FlakyPort()
    submit(ctx, Actor(ANNA), DoubtDraft("Open dag!"))
    [row] = rows(ctx)
    port.sent[row.key] = "sent before the crash"  # the platform has it; our database does not
    with ctx.store.transaction() as session:
        stored = session.get(OutboxRow, row.id)
        assert stored is not None
        stored.attempts = 1  # the crashed attempt was recorded (its lease)
    Dispatcher(ctx, {"console": port}).run_once()
    assert port.calls == []
    assert rows(ctx)[0].status == "delivered"
    with ctx.store.transaction() as session:
        request = session.get(RequestRow, 1)
        assert request is not None and request.status == "waiting"


def test_updates_and_thread_posts_wait_for_what_they_refer_to(
    ctx: Context, clock: ManualClock
) -> None:
    port = FlakyPort()
    dispatcher = Dispatcher(ctx, {"console": port})
    submit(ctx, Actor(ANNA), DoubtDraft("Open dag!"))
    decide(ctx, Actor(DIRECTOR), 1, "approve")
    report = EscalationInput((), "X", "Ruzie")
    open_escalation(ctx, Actor(ANNA), report)
    add_note(ctx, Actor(ANNA), 2, "erger")
    dispatcher.run_once()
    assert port.calls.index(f"r1:submitted:{DIRECTOR}") < port.calls.index(
        f"r1:update:approved:{DIRECTOR}"
    )
    assert port.calls.index("r2:thread") < port.calls.index("r2:note1")
    assert {r.status for r in rows(ctx)} == {"delivered"}


def test_no_port_for_a_platform_leaves_the_message_for_another_process(ctx: Context) -> None:
    submit(ctx, Actor(ANNA), DoubtDraft("Open dag!"))
    Dispatcher(ctx, {"slack": FlakyPort()}).run_once()
    [row] = rows(ctx)
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "no port")


def test_publish_times_are_read_in_the_school_zone() -> None:
    now = datetime(2025, 3, 10, 9, 0, tzinfo=AMSTERDAM)
    assert when("morgen 09:30", now, AMSTERDAM) == datetime(2025, 3, 11, 9, 30, tzinfo=AMSTERDAM)
    assert when("14-03 15:30", now, AMSTERDAM) == datetime(2025, 3, 14, 15, 30, tzinfo=AMSTERDAM)
    assert when("2025-04-01 08.15", now, AMSTERDAM) == datetime(2025, 4, 1, 8, 15, tzinfo=AMSTERDAM)
    assert when("08:00", now, AMSTERDAM) == datetime(2025, 3, 11, 8, 0, tzinfo=AMSTERDAM)
    assert when("nu", now, AMSTERDAM) == now
    assert when("weet ik niet", now, AMSTERDAM) is None
    for bad in ("volgende week", "32-13 10:00", "morgen 25:00"):
        try:
            when(bad, now, AMSTERDAM)
        except InputError as exc:
            assert "Die tijd begrijp ik niet" in exc.message.nl
        else:
            raise AssertionError(bad)


class RateLimitedPort(FlakyPort):
    """Answers 'retry later' once, asking for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def _deliver(self, key: str, text: str) -> str:
        if self.seconds:
            wait, self.seconds = self.seconds, 0.0
            self.calls.append(key)
            raise RetryLater("rate limited", retry_after=wait)
        return super()._deliver(key, text)


def test_a_platform_asking_to_wait_is_not_retried_sooner(ctx: Context, clock: ManualClock) -> None:
    port = RateLimitedPort(seconds=120)
    dispatcher = Dispatcher(ctx, {"console": port}, backoff=Backoff(base=5, max_attempts=5))
    submit(ctx, Actor(ANNA), DoubtDraft("Open dag!"))
    dispatcher.run_once()
    [row] = rows(ctx)
    assert (row.status, row.last_error) == ("pending", "RetryLater")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=120)
    clock.advance(seconds=60)
    dispatcher.run_once()
    assert len(port.calls) == 1  # the backoff alone (5 s) would have retried by now
    clock.advance(seconds=60)
    dispatcher.run_once()
    assert rows(ctx)[0].status == "delivered"
