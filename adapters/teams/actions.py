"""What a button on one of our cards does: one dispatch function, platform-free.

The bot reads a `CardAction` from the submit (translate.py) and calls `dispatch_card_action`,
which returns the `Reply` to send. The B.3 doubt check and B.2 escalation buttons are handled
by `workflows.py` when the route is given `workflows`; without them, they say "coming soon".
"""

from __future__ import annotations

from adapters.teams import cards
from adapters.teams.translate import CardAction
from bot.assistant import Assistant
from bot.models import Reply, UserRef
from bot.ports import Feedback, FeedbackSink

FEEDBACK_THANKS = "Bedankt voor je feedback! / Thanks for your feedback!"
COMING_SOON = "Deze stap komt binnenkort in Teams. / This step is coming to Teams soon."
UNKNOWN_BUTTON = "Die knop ken ik niet. / I do not know that button."


def dispatch_card_action(
    action: CardAction,
    *,
    assistant: Assistant,
    feedback: FeedbackSink,
    user: UserRef,
    conversation_id: str = "",
    message_id: str = "",
) -> Reply:
    """The reply to one button press: another answer, a thank-you, or "coming soon"."""
    if action.action == cards.SHOW_CLAUSE and action.clause:
        return assistant.show_clause(action.clause, action.lang)
    if action.action == cards.FEEDBACK and action.clause and action.vote:
        feedback.record(
            Feedback(
                platform=user.platform,
                user_id=user.user_id,
                clause_id=action.clause,
                helpful=action.vote == "up",
                channel_id=conversation_id,
                message_ts=message_id,
            )
        )
        return notice(FEEDBACK_THANKS, action)
    if action.action in (cards.DOUBT_CHECK, cards.ESCALATE):
        return notice(COMING_SOON, action)
    return notice(UNKNOWN_BUTTON, action)


def notice(text: str, action: CardAction) -> Reply:
    """A one-line message of our own (already bilingual)."""
    return Reply(kind="notice", lang=action.lang, text=text)
