"""Every action by intent, every flow, and the staff commands, gathered in one place."""

from __future__ import annotations

from actions import broadcast, fallback, faq, handoff, language, menu, notifications, privacy, staff
from actions.base import Action
from actions.flows import Flow

INTENT_ACTIONS: dict[str, Action] = {
    **menu.ACTIONS,
    **faq.ACTIONS,
    **language.ACTIONS,
    **privacy.ACTIONS,
    **notifications.ACTIONS,
    **fallback.ACTIONS,
}
FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (*privacy.FLOWS, *handoff.FLOWS, *broadcast.FLOWS)
}
# Commands only staff may use.
STAFF_COMMANDS: dict[str, Action] = {**staff.COMMANDS, **broadcast.COMMANDS}
# What to record once a delivery of a kind has been sent.
ON_SENT = {**handoff.ON_SENT, **broadcast.ON_SENT}
