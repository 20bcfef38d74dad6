"""Sweeps the events' times: withdraws the reminders of started events, and invites the
subscribers of ended events to their survey.

The outbox worker sends every due row, including reminders that fell due while the bot was
down (they are still useful before the start). What it must not send is a reminder of an event
that has begun; rather than teach the worker about events, this job cancels such rows: once
before the worker starts (after downtime) and then every `seconds` (a reminder is due well
before its start, so only a backlog of more than that can reach the start).

On the same tick, an event with a survey that has ended gets its subscribers' invitations
queued in the outbox (actions/surveys.py: at a reasonable local hour, with the one reminder
48 hours later), once: the event is marked in the same transaction.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from actions import surveys
from actions.event_cards import EventsConfig
from bot.core.i18n import Catalog
from bot.core.ports import Clock
from bot.storage import events
from bot.storage.database import Database
from scheduler.ticks import every

logger = logging.getLogger(__name__)

Job = Callable[[AsyncSession, datetime], Awaitable[int]]


class EventSweeper:
    """Cancels the pending reminders of started events and invites the subscribers of ended
    events to their survey, on a tick."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        seconds: float = 10.0,
        texts: Catalog | None = None,
        config: EventsConfig | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.seconds = seconds
        self.texts = texts
        self.config = config
        self._scheduler: AsyncIOScheduler | None = None

    async def sweep(self) -> int:
        """One pass; how many reminders were withdrawn."""
        await self.invite_to_surveys()
        return await self._step(
            events.expire_reminders,
            "withdrawing the reminders of started events",
            "%d reminders withdrawn: their event had started",
        )

    async def invite_to_surveys(self) -> int:
        """Invite the subscribers of the events that have ended to their survey; how many."""
        return await self._step(
            functools.partial(
                surveys.invite_after_ended_events, texts=self.texts, config=self.config
            ),
            "inviting the subscribers of ended events to their survey",
            "%d people invited to the survey of an event that ended",
        )

    async def _step(self, job: Job, doing: str, done: str) -> int:
        """One job in one transaction; its count (0 when it failed: logged, tried next tick)."""
        try:
            async with self.db.session() as session:
                count = await job(session, self.clock.now())
        except Exception:
            logger.exception("%s failed", doing)
            return 0
        if count:
            logger.info(done, count)
        return count

    async def start(self) -> None:
        await self.sweep()
        self._scheduler = every(self.seconds, self.sweep, "events-sweep")

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
