"""`/notifications`: a person turns staff announcements (broadcasts) off and on.

Reminders a person asked for are separate and not affected.
"""

from __future__ import annotations

import logging

from actions.base import Action, Context
from bot.core.messages import Reply
from bot.core.payloads import Topic

logger = logging.getLogger(__name__)


def _status(ctx: Context) -> Reply:
    if ctx.user.announcements:
        return Reply(
            ctx.t("notifications.on"),
            (ctx.button("btn.notifications.off", Topic("notifications_off")),),
        )
    return Reply(
        ctx.t("notifications.off"),
        (ctx.button("btn.notifications.on", Topic("notifications_on")),),
    )


async def notifications(ctx: Context) -> list[Reply]:
    """Whether announcements are on, with a button to switch."""
    return [_status(ctx)]


async def turn_off(ctx: Context) -> list[Reply]:
    ctx.user.announcements = False
    return [
        Reply(
            ctx.t("notifications.turned_off"),
            (ctx.button("btn.notifications.on", Topic("notifications_on")),),
        )
    ]


async def turn_on(ctx: Context) -> list[Reply]:
    ctx.user.announcements = True
    return [
        Reply(
            ctx.t("notifications.turned_on"),
            (ctx.button("btn.notifications.off", Topic("notifications_off")),),
        )
    ]


ACTIONS: dict[str, Action] = {
    "notifications": notifications,
    "notifications_off": turn_off,
    "notifications_on": turn_on,
}
