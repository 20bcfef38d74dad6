"""Every action by intent, every flow, and the staff commands, gathered in one place."""

from __future__ import annotations

from actions import (
    broadcast,
    events,
    fallback,
    faq,
    handoff,
    language,
    menu,
    notifications,
    privacy,
    staff,
    surveys,
)
from actions.base import Action
from actions.flows import Flow
from bot.core.payloads import Payload

INTENT_ACTIONS: dict[str, Action] = {
    **menu.ACTIONS,
    **faq.ACTIONS,
    **language.ACTIONS,
    **privacy.ACTIONS,
    **surveys.ACTIONS,
    **notifications.ACTIONS,
    **fallback.ACTIONS,
    **events.ACTIONS,
}
FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        *privacy.FLOWS,
        *handoff.FLOWS,
        *surveys.FLOWS,
        *broadcast.FLOWS,
        *events.FLOWS,
    )
}
# Buttons of a feature's own payload types: the action each one runs.
PAYLOAD_ACTIONS: dict[type[Payload], events.PayloadAction] = {**events.PAYLOAD_ACTIONS}
# Commands only staff may use.
STAFF_COMMANDS: dict[str, Action] = {
    **staff.COMMANDS,
    **surveys.COMMANDS,
    **broadcast.COMMANDS,
    **events.STAFF_COMMANDS,
}
# A file a staff member sends to the staff chat outside a flow that takes it: an events file.
STAFF_FILE: Action = events.staff_import_file
# What to record once a delivery of a kind has been sent.
ON_SENT = {**handoff.ON_SENT, **surveys.ON_SENT, **broadcast.ON_SENT}
