"""A job run every few seconds in the event loop (APScheduler): one run at a time, a missed run
never queued twice. The database is the source of truth; a tick only looks again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler


def every(seconds: float, job: Callable[[], Awaitable[object]], job_id: str) -> AsyncIOScheduler:
    """A started scheduler running job every `seconds` (shut it down to stop)."""
    scheduler = AsyncIOScheduler()
    scheduler.add_job(
        job,
        "interval",
        seconds=seconds,
        id=job_id,
        misfire_grace_time=None,
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler
