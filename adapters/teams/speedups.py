"""A fix for a CPU hot spot in msrest, the HTTP layer botbuilder builds every connector client on.

msrest's `ClientRetryPolicy()` computes its retry status list as
`[i for i in range(999) if i not in self.safe_codes]`, where `safe_codes` is a list of about
500 codes: some 10 ms of CPU per policy. botbuilder's CloudAdapter builds two clients, each with
such a policy, for every Teams turn (the connector client and the user-token client), so that
list scan was the largest single cost of a Teams message under load. The same codes in a
frozenset give the identical status list in microseconds. (The route now reuses its clients
across turns, `reuse.py`; the fix still counts for every client built, e.g. by the dispatcher.)
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_msrest_retry_policy() -> None:
    """Make `ClientRetryPolicy.safe_codes` a frozenset of the same codes (idempotent)."""
    codes = ClientRetryPolicy.safe_codes
    if not isinstance(codes, frozenset):
        # msrest declares a list; it only ever tests membership (`i not in safe_codes`).
        ClientRetryPolicy.safe_codes = frozenset(codes)  # type: ignore[assignment]
