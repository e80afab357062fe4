"""What the listeners read from a Slack message event: is it a question, and whose conversation.

Conversation keys (`IncomingMessage.conversation`, the key of a conversation's context):

- a plain direct message (no thread): ``slack:<channel>``. A DM is one person's conversation.
- a message in a thread, an assistant-pane thread included: ``slack:<channel>:<thread_ts>``.
- a mention at the top of a channel: ``slack:<channel>:<ts>``, because its answer opens a
  thread under it, so a follow-up mention in that thread has the same key.
- /protocol: ``slack:<channel>:<user>``. Its answers are ephemeral, seen by the asker alone.
- a suggested question pressed: the key of the place its answer goes (the DM, or the thread).
"""

from __future__ import annotations

from typing import Any

Body = dict[str, Any]


def is_from_a_person(event: Body, bot_user_id: str | None) -> bool:
    """A plain message by a person: no subtype (edits, joins), no bot, not ourselves."""
    user = event.get("user")
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and isinstance(user, str)
        and user != bot_user_id
        and isinstance(event.get("text"), str)
        and isinstance(event.get("channel"), str)
    )


def conversation_of(event: Body) -> str:
    """The conversation key of a message or mention event (see the module docstring)."""
    channel, thread_ts = str(event.get("channel")), event.get("thread_ts")
    if event.get("channel_type") == "im" and not thread_ts:
        return thread_conversation(channel, None)
    return thread_conversation(channel, thread_ts or event.get("ts"))


def thread_conversation(channel: str, thread_ts: str | None) -> str:
    """The conversation key of what is said in `thread_ts` of `channel` (None: the DM itself)."""
    return f"slack:{channel}:{thread_ts}" if thread_ts else f"slack:{channel}"


def command_conversation(channel: str, user: str) -> str:
    """The conversation key of /protocol, asked by `user` in `channel`."""
    return f"slack:{channel}:{user}"
