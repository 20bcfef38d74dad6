"""Answers about the initiative from data/knowledge, sharpened by a country when one is named."""

from __future__ import annotations

from actions.base import Action, Context
from actions.handoff import contact_line
from actions.knowledge import TOPICS
from actions.menu import menu_buttons
from bot.core.messages import Reply
from bot.core.payloads import Human, Topic


async def answer(ctx: Context, intent: str) -> list[Reply]:
    """The knowledge entry of intent in the user's language, with follow-up topics."""
    entry = ctx.knowledge.get(intent)
    if entry is None:
        ctx.unanswered = True
        return [Reply(ctx.t("faq.unknown", contact=contact_line(ctx)), menu_buttons(ctx))]
    country = ctx.entity("country")
    text = entry.answer_for(country).texts[ctx.lang]
    if entry.is_silent_on(country):
        name = ctx.t(f"country.{country}")  # the seeds say nothing on this for the country
        text = f"{ctx.t('faq.no_country_detail', country=name)}\n\n{text}"
    buttons = tuple(ctx.button(TOPICS[r], Topic(r)) for r in entry.related)
    if intent == "contact":
        buttons = (*buttons, ctx.button("btn.human", Human()))
    return [Reply(text, (*buttons, ctx.button("btn.menu", Topic("help"))))]


def _answer_for(intent: str) -> Action:
    async def action(ctx: Context) -> list[Reply]:
        return await answer(ctx, intent)

    action.__name__ = intent
    action.__doc__ = f"Answer about {intent.replace('_', ' ')}."
    return action


ACTIONS: dict[str, Action] = {intent: _answer_for(intent) for intent in TOPICS}
