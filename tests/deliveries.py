"""Queue a delivery in a test's database, due now; a channel that records what it is sent."""

from __future__ import annotations

from bot.core.messages import Reply
from bot.core.ports import Recipient
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


class RecordingSender:
    """A channel (the Sender port) that records (chat id, text) of every reply it sends."""

    max_recipients = 1

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: Recipient, replies: list[Reply], *, retry_key: str) -> list[str]:
        self.sent.extend((to.chat_id, reply.text) for reply in replies)
        return [str(len(self.sent))]

    async def send_many(self, chat_ids: list[str], replies: list[Reply], *, retry_key: str) -> None:
        raise AssertionError("not a multicast channel")
