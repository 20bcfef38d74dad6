"""Every action by intent, and every button payload handler, gathered in one place."""

from __future__ import annotations

from actions import fallback, faq, handoff, language, menu, privacy, staff
from actions.base import Action

INTENT_ACTIONS: dict[str, Action] = {
    **menu.ACTIONS,
    **faq.ACTIONS,
    **language.ACTIONS,
    **privacy.ACTIONS,
    **fallback.ACTIONS,
}
BUTTON_ACTIONS: dict[str, Action] = {**privacy.BUTTONS, **handoff.BUTTONS}
# Commands only staff may use.
STAFF_COMMANDS: dict[str, Action] = staff.COMMANDS
