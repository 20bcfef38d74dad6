"""When the bot cannot answer: out of scope, or not understood."""

from __future__ import annotations

from actions.base import Action, Context
from actions.menu import menu_buttons
from bot.core.messages import Reply


async def out_of_scope(ctx: Context) -> list[Reply]:
    """Say what the bot is for; the question is logged as unanswered."""
    ctx.unanswered = True
    return [Reply(ctx.t("out_of_scope"), menu_buttons(ctx))]


async def nlu_fallback(ctx: Context) -> list[Reply]:
    """Say it was not understood; offer the menu and a person."""
    ctx.unanswered = True
    return [Reply(ctx.t("fallback"), menu_buttons(ctx))]


ACTIONS: dict[str, Action] = {"out_of_scope": out_of_scope, "nlu_fallback": nlu_fallback}
