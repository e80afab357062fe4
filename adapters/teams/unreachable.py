"""What happens when the Teams port cannot reach a request's director.

The domain has no "recipient unreachable" hook, so the port calls `fall_back_to_deputy` before it
raises `RecipientUnreachable`. In one transaction, using the domain's own facilities:
- the staff member is told (once per request and director) that the director cannot be reached
  in Teams and that the deputy is asked; they may also call the director;
- the request's pending `ask_deputy` reminder is made due now, so the dispatcher's next round
  runs the domain's own deputy handler (same keys, same audit event; doubt checks still respect
  working hours);
- the request itself is not touched: it stays submitted/waiting (or open), and the director's
  outbox row is retried with backoff by the dispatcher, so it is delivered as soon as the
  director installs the app (until POLICYBOT_OUTBOX_MAX_ATTEMPTS).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update

from bot.models import Localized
from bot.outbox_keys import request_id_of, request_key
from bot.ports import Recipient
from bot.store.models import ReminderRow, RequestRow
from bot.store.outbox import find_by_key
from bot.workflows.base import FINAL_STATES, Context, name_of, notify, now

DIRECTOR_UNREACHABLE = Localized(
    "Ik kan {director} niet bereiken in Teams (de app is bij hem of haar niet geïnstalleerd) "
    "voor verzoek #{id}. Je verzoek blijft staan; ik vraag de adjunct erbij en bezorg het "
    "zodra het kan. Is het dringend? Bel {director}.",
    "I cannot reach {director} in Teams (the app is not installed for them) for request "
    "#{id}. Your request stays open; I am asking the deputy as well and will deliver it as soon "
    "as I can. Is it urgent? Call {director}.",
)


def fall_back_to_deputy(ctx: Context) -> Callable[[str, Recipient], None]:
    """The port's `on_unreachable` hook for `ctx` (see the module docstring)."""

    def on_unreachable(key: str, recipient: Recipient) -> None:
        request_id = request_id_of(key)
        if request_id is not None:
            _fall_back(ctx, request_id, recipient.email)

    return on_unreachable


def _fall_back(ctx: Context, request_id: int, email: str) -> None:
    with ctx.store.transaction() as session:
        request = session.get(RequestRow, request_id, with_for_update=True)
        if request is None or request.assignee != email or request.status in FINAL_STATES:
            return
        key = request_key(request.id, "unreachable", email)
        if find_by_key(session, key) is not None:
            return
        values: dict[str, object] = {"id": request.id, "director": name_of(ctx, email)}
        notify(
            session,
            ctx,
            request,
            key=key,
            email=request.requester,
            template=DIRECTOR_UNREACHABLE,
            values=values,
        )
        session.execute(
            update(ReminderRow)
            .where(
                ReminderRow.request_id == request.id,
                ReminderRow.kind == "ask_deputy",
                ReminderRow.status == "pending",
            )
            .values(due_at=now(ctx))
        )
