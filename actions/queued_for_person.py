"""What is queued for a person is written for them as they are now.

After a change of language (chosen, or detected from what they write) or of time zone, their
pending event reminders and survey invitations are written again: in their language, with
times in their zone, at instants that respect their local quiet and reasonable hours.
"""

from __future__ import annotations

from actions import event_reminders, surveys
from actions.base import Context
from actions.event_cards import EventsConfig


async def rewrite(ctx: Context) -> int:
    """Rewrite what is pending for ctx.user; how many deliveries changed."""
    config = EventsConfig.of(ctx.settings)
    now = ctx.now()
    changed = await event_reminders.follow_person(ctx.session, ctx.texts, config, ctx.user, now)
    return changed + await surveys.follow_person(ctx.session, ctx.texts, config, ctx.user, now)
