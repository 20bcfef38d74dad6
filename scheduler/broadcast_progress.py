"""Staff's view of a broadcast under way: its progress message, edited in place, and its final
report, queued in the outbox on a tick (the decisions: actions/broadcast.follow).

A tick, not a hook on each send: the report must go whatever became of the last deliveries
(sent, failed, blocked, cancelled, or left `unknown` by a crash), and after a restart the tick
finds the broadcast again in the database and edits the progress message it had sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from actions import broadcast as broadcasting
from bot.core.ports import Clock
from bot.storage.database import Database
from scheduler.ticks import every

logger = logging.getLogger(__name__)


class BroadcastProgress:
    """Queues progress (at most every `progress_seconds`) and final reports, every tick."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        kick: Callable[[str, str], None],
        *,
        progress_seconds: float = 5.0,
        tick_seconds: float = 1.0,
    ) -> None:
        """kick: sends a chat's pending replies now (the outbox worker's)."""
        self.db = db
        self.clock = clock
        self.kick = kick
        self.progress = timedelta(seconds=progress_seconds)
        self.tick_seconds = tick_seconds
        self._scheduler: AsyncIOScheduler | None = None

    async def tick(self) -> None:
        """One look at the broadcasts under way; what it queued is sent at once."""
        try:
            async with self.db.session() as session:
                chats = await broadcasting.follow(session, self.clock.now(), self.progress)
        except Exception:
            logger.exception("following the broadcasts failed")
            return
        for channel, chat_id in chats:
            self.kick(channel, chat_id)

    async def start(self) -> None:
        await self.tick()
        self._scheduler = every(self.tick_seconds, self.tick, "broadcast-progress")

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
