"""Withdraws reminders whose event has started: a reminder is never sent after the start.

The outbox worker sends every due row, including reminders that fell due while the bot was
down (they are still useful before the start). What it must not send is a reminder of an event
that has begun; rather than teach the worker about events, this job cancels such rows: once
before the worker starts (after downtime) and then every `seconds` (a reminder is due well
before its start, so only a backlog of more than that can reach the start).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.ports import Clock
from bot.storage import events
from bot.storage.database import Database
from scheduler.ticks import every

logger = logging.getLogger(__name__)


class EventSweeper:
    """Cancels the pending reminders of started events, on a tick."""

    def __init__(self, db: Database, clock: Clock, seconds: float = 10.0) -> None:
        self.db = db
        self.clock = clock
        self.seconds = seconds
        self._scheduler: AsyncIOScheduler | None = None

    async def sweep(self) -> int:
        """One pass; how many reminders were withdrawn."""
        try:
            async with self.db.session() as session:
                expired = await events.expire_reminders(session, self.clock.now())
        except Exception:
            logger.exception("withdrawing the reminders of started events failed")
            return 0
        if expired:
            logger.info("%d reminders withdrawn: their event had started", expired)
        return expired

    async def start(self) -> None:
        await self.sweep()
        self._scheduler = every(self.seconds, self.sweep, "events-sweep")

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
