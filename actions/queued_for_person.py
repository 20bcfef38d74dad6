"""What is queued for a person is written for them as they are now.

After a change of language (chosen, or detected from what they write) or of time zone, their
pending event reminders and survey invitations are written again: in their language, with
times in their zone, at instants that respect their local quiet and reasonable hours; and
their broadcasts not yet sent take the announcement's version in their language.
"""

from __future__ import annotations

from actions import event_reminders, surveys
from actions.base import Context
from actions.event_cards import EventsConfig, person_language
from bot.storage import broadcasts


async def rewrite(ctx: Context) -> int:
    """Rewrite what is pending for ctx.user; how many deliveries changed."""
    config = EventsConfig.of(ctx.settings)
    now = ctx.now()
    lang = person_language(ctx.user, config.default_language)
    changed = await event_reminders.follow_person(ctx.session, ctx.texts, config, ctx.user, now)
    changed += await surveys.follow_person(ctx.session, ctx.texts, config, ctx.user, now)
    return changed + await broadcasts.follow_language(ctx.session, ctx.user.id, lang)
