"""Broadcasts in a test's database, and the bot's parts that send them, running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from actions import broadcast as broadcasting
from actions.registry import ON_SENT
from bot.core.announcement import parse as parse_message
from bot.core.audience import parse as parse_audience
from bot.core.ports import Clock, Sender, SystemClock
from bot.storage import broadcasts, repo
from bot.storage.database import Database
from bot.storage.models import Broadcast, utcnow
from scheduler.broadcast_progress import BroadcastProgress
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from tests.standins.telegram import TelegramStandIn

NEWS = {"th": "ฟอรั่มเยาวชนเปิดรับสมัครแล้ว", "en": "The youth forum is open for registration"}


async def person(db: Database, channel: str, external: str, lang: str, **fields: object) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, channel, external, external)
        user.language = lang
        for name, value in fields.items():
            setattr(user, name, value)


async def queue_broadcast(
    db: Database,
    audience: str,
    texts: dict[str, str] = NEWS,
    *,
    send_at_in: float | None = None,
    report_to: str | None = None,
    now: datetime | None = None,
) -> int:
    now = now or utcnow()
    send_at = now + timedelta(seconds=send_at_in) if send_at_in is not None else None
    message = parse_message({"text": texts, "fallback": "none"})
    async with db.session() as session:
        plan = await broadcasting.plan(session, message, parse_audience(audience), now, send_at)
        created = await broadcasting.queue(
            session, plan, created_by="test", now=now, report_to=report_to
        )
    return created.id


async def figures_of(
    db: Database, broadcast_id: int, now: datetime | None = None
) -> dict[str, object]:
    async with db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        return await broadcasts.report(session, row, now or utcnow())


async def until(db: Database, broadcast_id: int, timeout: float = 20, **expected: object) -> None:
    """Wait until the broadcast's figures hold the expected values."""
    figures: dict[str, object] = {}
    for _ in range(int(timeout / 0.1)):
        figures = await figures_of(db, broadcast_id)
        if all(figures[key] == value for key, value in expected.items()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"broadcast {figures}, expected {expected}")


async def under_way(
    db: Database, broadcast_id: int, telegram_api: TelegramStandIn, sent: int, timeout: float = 15
) -> None:
    """Wait until the broadcast's progress message is recorded and more than `sent` messages
    went out: the moment to kill the bot in the middle of it."""
    for _ in range(int(timeout / 0.05)):
        async with db.session() as session:
            row = await session.get(Broadcast, broadcast_id)
            known = row is not None and row.progress_message is not None
        if known and len(telegram_api.sent) > sent:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the broadcast never got under way")


@dataclass
class Sending:
    """The outbox worker and the broadcasts' progress tick, as the bot runs them."""

    worker: DeliveryWorker
    progress: BroadcastProgress

    async def stop(self, grace: float = 10.0) -> None:
        await self.progress.stop()
        await self.worker.stop(grace)


@asynccontextmanager
async def sending(
    db: Database,
    senders: Mapping[str, Sender],
    *,
    telegram_rate: float = 200.0,
    clock: Clock | None = None,
    progress_seconds: float = 0.3,
    lease_seconds: float = 30.0,
) -> AsyncIterator[Sending]:
    """Start the worker and the progress tick (stopped on the way out, if not before)."""
    clock = clock or SystemClock()
    config = DeliveryConfig(
        budgets={"telegram": telegram_rate, "line": 50.0},
        tick_seconds=0.2,
        lease=timedelta(seconds=lease_seconds),
    )
    worker = DeliveryWorker(db, senders, clock, config, on_sent=ON_SENT)
    await worker.start()
    progress = BroadcastProgress(
        db, clock, worker.kick, progress_seconds=progress_seconds, tick_seconds=0.1
    )
    await progress.start()
    running = Sending(worker, progress)
    try:
        yield running
    finally:
        await running.stop()
