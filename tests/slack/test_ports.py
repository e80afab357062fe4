"""The in-memory feedback sink and event de-duplicator."""

from __future__ import annotations

from adapters.slack.ports import EventDeduplicator, InMemoryEventDeduplicator
from bot.ports import Feedback, FeedbackSink, InMemoryFeedback


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_event_id_is_taken_once() -> None:
    dedup = InMemoryEventDeduplicator()

    assert [dedup.first_delivery(e) for e in ("Ev1", "Ev1", "Ev2", "Ev1")] == [
        True,
        False,
        True,
        False,
    ]


def test_an_event_id_is_forgotten_after_the_ttl() -> None:
    clock = FakeClock()
    dedup = InMemoryEventDeduplicator(ttl_seconds=60, clock=clock)
    dedup.first_delivery("Ev1")

    clock.now += 59
    assert dedup.first_delivery("Ev1") is False
    clock.now += 2
    assert dedup.first_delivery("Ev1") is True


def test_the_memory_is_bounded_and_drops_the_oldest() -> None:
    dedup = InMemoryEventDeduplicator(max_size=3)
    for event_id in ("Ev1", "Ev2", "Ev3", "Ev4"):
        dedup.first_delivery(event_id)

    assert len(dedup) == 3
    assert dedup.first_delivery("Ev4") is False
    assert dedup.first_delivery("Ev1") is True


def test_the_in_memory_implementations_satisfy_the_protocols() -> None:
    dedup: EventDeduplicator = InMemoryEventDeduplicator()
    sink: FeedbackSink = InMemoryFeedback()
    click = Feedback(platform="slack", user_id="U1", clause_id="A5", helpful=True)

    sink.record(click)

    assert dedup.first_delivery("Ev1") is True
    assert isinstance(sink, InMemoryFeedback)
    assert sink.items == [click]
