"""When the bot cannot answer: out of scope, not understood, or "talk to a person"."""

from __future__ import annotations

from actions.base import Action, Context
from actions.faq import contact_line
from actions.menu import menu_buttons
from bot.messages import Reply


async def out_of_scope(ctx: Context) -> list[Reply]:
    """Say what the bot is for; the question is logged as unanswered."""
    ctx.unanswered = True
    return [Reply(ctx.t("out_of_scope"), menu_buttons(ctx))]


async def nlu_fallback(ctx: Context) -> list[Reply]:
    """Say it was not understood; offer the menu and a person."""
    ctx.unanswered = True
    return [Reply(ctx.t("fallback"), menu_buttons(ctx))]


async def talk_to_person(ctx: Context) -> list[Reply]:
    """Forward the conversation's last question to staff, or give the Center's contacts."""
    question = ctx.incoming.text or ctx.incoming.reply_to_text or ""
    forwarded = None
    if ctx.staff_desk is not None:
        forwarded = await ctx.staff_desk.forward(ctx.user, question, ctx.lang)
    if forwarded is None:
        return [Reply(ctx.t("human.unavailable", contact=contact_line(ctx)))]
    from bot.storage import repo

    await repo.add_handoff(ctx.session, ctx.user, *forwarded)
    return [Reply(ctx.t("human.forwarded"))]


ACTIONS: dict[str, Action] = {"out_of_scope": out_of_scope, "nlu_fallback": nlu_fallback}
BUTTONS: dict[str, Action] = {"human": talk_to_person}
