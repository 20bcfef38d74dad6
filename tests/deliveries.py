"""Queue a delivery in a test's database, due now."""

from __future__ import annotations

from bot.core.messages import Reply
from bot.storage import outbox
from bot.storage.database import Database
from bot.storage.models import utcnow


async def queue(db: Database, chat: str, text: str, **fields: object) -> int:
    """One delivery of text to chat (a reply on Telegram unless fields say otherwise); its id."""
    async with db.session() as session:
        delivery = await outbox.add(
            session,
            kind=str(fields.pop("kind", "reply")),
            lane=str(fields.pop("lane", outbox.REPLY)),
            channel=str(fields.pop("channel", "telegram")),
            chat_id=chat,
            replies=[Reply(text)],
            due_at=utcnow(),
            **fields,  # type: ignore[arg-type]
        )
    assert delivery is not None
    return delivery
