"""What is stored about a user and why; erasing it after a confirmation (a flow)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from actions import flows
from actions.base import Action, Context
from bot.core.messages import Reply
from bot.storage import repo
from bot.storage.models import ConversationState


class DeleteData(flows.Flow):
    """Confirm, then erase everything stored about the user."""

    name = "delete_data"
    ttl: ClassVar[timedelta] = timedelta(minutes=10)
    states = frozenset({"confirm"})

    async def prompt(self, ctx: Context, flow: ConversationState) -> list[Reply]:
        return [
            Reply(
                ctx.t("privacy.confirm"),
                (
                    flows.choice(ctx, "btn.delete_confirm", "yes"),
                    flows.choice(ctx, "btn.cancel", "no"),
                ),
            )
        ]

    async def on_choice(self, ctx: Context, flow: ConversationState, value: str) -> list[Reply]:
        await flows.end(ctx)
        if value != "yes":
            return [Reply(ctx.t("privacy.cancelled"))]
        await repo.delete_user_data(ctx.session, ctx.user)
        ctx.deleted = True
        return [Reply(ctx.t("privacy.deleted"))]


DELETE_DATA = DeleteData()


async def delete_my_data(ctx: Context) -> list[Reply]:
    """Explain what is kept, then ask to confirm the deletion."""
    flow = await flows.start(ctx, DELETE_DATA, "confirm")
    return [Reply(ctx.t("privacy.info")), *await DELETE_DATA.prompt(ctx, flow)]


ACTIONS: dict[str, Action] = {"delete_my_data": delete_my_data}
FLOWS: tuple[flows.Flow, ...] = (DELETE_DATA,)
