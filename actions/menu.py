"""Greetings, help and the menu; small talk; features that are not open yet."""

from __future__ import annotations

from actions.base import Action, Context
from bot.core.messages import Button, Reply
from bot.core.payloads import Human, Payload, Topic

# The topics of the main menu: (text key of the label, payload).
MENU: tuple[tuple[str, Payload], ...] = (
    ("btn.overview", Topic("initiative_overview")),
    ("btn.youth", Topic("youth_participation")),
    ("btn.events", Topic("list_events")),
    ("btn.feedback", Topic("give_feedback")),
    ("btn.contact", Topic("contact")),
    ("btn.human", Human()),
    ("btn.language", Topic("change_language")),
    ("btn.privacy", Topic("delete_my_data")),
)


def menu_buttons(ctx: Context) -> tuple[Button, ...]:
    return tuple(ctx.button(key, payload) for key, payload in MENU)


def _name(ctx: Context) -> str:
    name = (ctx.incoming.display_name or "").strip()
    return f" {name[:40]}" if name else ""


async def greet(ctx: Context) -> list[Reply]:
    """Hello, with the menu."""
    return [Reply(ctx.t("greet", name=_name(ctx)), menu_buttons(ctx))]


async def help_(ctx: Context) -> list[Reply]:
    """What the bot can do, with the menu."""
    return [Reply(ctx.t("help"), menu_buttons(ctx))]


async def goodbye(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("goodbye"))]


async def thanks(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("thanks"), (ctx.button("btn.menu", Topic("help")),))]


ACTIONS: dict[str, Action] = {
    "greet": greet,
    "help": help_,
    "goodbye": goodbye,
    "thanks": thanks,
}
