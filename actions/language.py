"""Changing the language the bot answers in."""

from __future__ import annotations

from actions import queued_for_person
from actions.base import Action, Context
from bot.core.i18n import LANGUAGES, NATIVE_NAMES
from bot.core.messages import Button, Reply
from bot.core.payloads import Language


async def change_language(ctx: Context) -> list[Reply]:
    """Offer each language by its own name."""
    buttons = tuple(Button(NATIVE_NAMES[lang], Language(lang).pack()) for lang in LANGUAGES)
    return [Reply(ctx.t("language.choose"), buttons, columns=2)]


async def set_language(ctx: Context, lang: str) -> list[Reply]:
    """Store the chosen language; it wins over detection from now on, and what is queued for
    the person is written in it."""
    if lang not in LANGUAGES:
        return await change_language(ctx)
    changed = ctx.user.language != lang
    ctx.user.language = lang
    ctx.user.language_chosen = True
    ctx.lang = lang
    if changed:
        await queued_for_person.rewrite(ctx)
    return [Reply(ctx.t("language.changed"))]


ACTIONS: dict[str, Action] = {"change_language": change_language}
