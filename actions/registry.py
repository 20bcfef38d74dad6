"""Every action by intent, every flow, and the staff commands, gathered in one place."""

from __future__ import annotations

from actions import events, fallback, faq, handoff, language, menu, privacy, staff
from actions.base import Action
from actions.flows import Flow
from bot.core.payloads import Payload

INTENT_ACTIONS: dict[str, Action] = {
    **menu.ACTIONS,
    **faq.ACTIONS,
    **language.ACTIONS,
    **privacy.ACTIONS,
    **fallback.ACTIONS,
    **events.ACTIONS,
}
FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (*privacy.FLOWS, *handoff.FLOWS, *events.FLOWS)
}
# Buttons of a feature's own payload types: the action each one runs.
PAYLOAD_ACTIONS: dict[type[Payload], events.PayloadAction] = {**events.PAYLOAD_ACTIONS}
# Commands only staff may use.
STAFF_COMMANDS: dict[str, Action] = {**staff.COMMANDS, **events.STAFF_COMMANDS}
# What to record once a delivery of a kind has been sent.
ON_SENT = handoff.ON_SENT
