"""What is stored about a user and why; erasing it after a confirmation."""

from __future__ import annotations

from actions.base import Action, Context
from bot.messages import Reply
from bot.storage import repo

CONFIRM = "privacy:delete"
CANCEL = "privacy:cancel"


async def delete_my_data(ctx: Context) -> list[Reply]:
    """Explain what is kept, then ask to confirm the deletion with a button."""
    return [
        Reply(ctx.t("privacy.info")),
        Reply(
            ctx.t("privacy.confirm"),
            (ctx.button("btn.delete_confirm", CONFIRM), ctx.button("btn.cancel", CANCEL)),
        ),
    ]


async def confirm_delete(ctx: Context) -> list[Reply]:
    """Erase the user and everything stored about them."""
    await repo.delete_user_data(ctx.session, ctx.user)
    return [Reply(ctx.t("privacy.deleted"))]


async def cancel_delete(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("privacy.cancelled"))]


ACTIONS: dict[str, Action] = {"delete_my_data": delete_my_data}
BUTTONS: dict[str, Action] = {CONFIRM: confirm_delete, CANCEL: cancel_delete}
