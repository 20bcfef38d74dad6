"""Every action by intent, and every button payload handler, gathered in one place."""

from __future__ import annotations

from actions import fallback, faq, language, menu, privacy
from actions.base import Action

INTENT_ACTIONS: dict[str, Action] = {
    **menu.ACTIONS,
    **faq.ACTIONS,
    **language.ACTIONS,
    **privacy.ACTIONS,
    **fallback.ACTIONS,
}
BUTTON_ACTIONS: dict[str, Action] = {**privacy.BUTTONS, **fallback.BUTTONS}
