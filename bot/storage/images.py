"""Images the bot uploads (survey charts): their bytes in the database, not on one machine's
disk, so that whichever worker claims the delivery can send them, also after a restart.

An image is written in the transaction that queues the delivery naming it (`Reply.image_file`)
and read by the outbox worker just before the send. Images older than KEEP are removed when a
new one is added: by then the delivery has long been sent or given up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import StoredImage

KEEP = timedelta(days=7)


async def add(session: AsyncSession, content: bytes, now: datetime) -> int:
    """Store an image; its id (for Reply.image_file). Removes images older than KEEP."""
    await session.execute(
        delete(StoredImage)
        .where(StoredImage.created_at < now - KEEP)
        .execution_options(synchronize_session=False)
    )
    image = StoredImage(content=content, created_at=now)
    session.add(image)
    await session.flush()
    return image.id


async def contents(session: AsyncSession, ids: Iterable[int]) -> dict[int, bytes]:
    """The bytes of the images of ids that still exist."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(StoredImage.id, StoredImage.content).where(StoredImage.id.in_(wanted))
    )
    return {image_id: bytes(content) for image_id, content in rows.all()}
