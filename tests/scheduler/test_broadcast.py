"""Broadcasts through the real DeliveryWorker, senders and the stand-in Telegram and LINE APIs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from actions import broadcast as broadcasting
from actions.registry import ON_SENT
from bot.channels.line import LineSender, build_api
from bot.channels.telegram import TelegramSender, build_bulk_bot
from bot.core.announcement import parse as parse_message
from bot.core.audience import parse as parse_audience
from bot.core.ports import Clock, SystemClock
from bot.storage import broadcasts, outbox, repo
from bot.storage.database import Database
from bot.storage.models import Broadcast, utcnow
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from tests.clock import FakeClock
from tests.standins.line import LineStandIn, user_id_for
from tests.standins.telegram import TelegramStandIn

Senders = dict[str, TelegramSender | LineSender]
NEWS = {"th": "ฟอรั่มเยาวชนเปิดรับสมัครแล้ว", "en": "The youth forum is open for registration"}


@pytest.fixture
async def telegram_api() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn() as api:
        yield api


@pytest.fixture
async def line_api() -> AsyncIterator[LineStandIn]:
    async with LineStandIn() as api:
        yield api


@pytest.fixture
async def senders(telegram_api: TelegramStandIn, line_api: LineStandIn) -> AsyncIterator[Senders]:
    bot = build_bulk_bot(telegram_api.token, base_url=telegram_api.base_url)
    await bot.initialize()
    client, api = build_api(line_api.channel_access_token, line_api.host)
    yield {"telegram": TelegramSender(bot), "line": LineSender(api)}
    await bot.shutdown()
    await client.close()


def worker_for(
    db: Database, senders: Senders, telegram_rate: float = 200.0, clock: Clock | None = None
) -> DeliveryWorker:
    config = DeliveryConfig(budgets={"telegram": telegram_rate, "line": 50.0}, tick_seconds=0.2)
    return DeliveryWorker(db, senders, clock or SystemClock(), config, on_sent=ON_SENT)


async def _person(db: Database, channel: str, external: str, lang: str, **fields: object) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, channel, external, external)
        user.language = lang
        for name, value in fields.items():
            setattr(user, name, value)


async def _broadcast(
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


async def _figures(
    db: Database, broadcast_id: int, now: datetime | None = None
) -> dict[str, object]:
    async with db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        return await broadcasts.report(session, row, now or utcnow())


async def _until(db: Database, broadcast_id: int, timeout: float = 20, **expected: object) -> None:
    figures: dict[str, object] = {}
    for _ in range(int(timeout / 0.1)):
        figures = await _figures(db, broadcast_id)
        if all(figures[key] == value for key, value in expected.items()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"broadcast {figures}, expected {expected}")


async def test_thai_and_english_line_users_get_their_language_by_multicast(
    db: Database, senders: Senders, line_api: LineStandIn, telegram_api: TelegramStandIn
) -> None:
    thai = [user_id_for(f"th-{i}") for i in range(30)]
    english = [user_id_for(f"en-{i}") for i in range(20)]
    for person in thai:
        await _person(db, "line", person, "th")
    for person in english:
        await _person(db, "line", person, "en")
    await _person(db, "line", user_id_for("vi-1"), "vi")  # not in the audience
    await _person(db, "line", user_id_for("th-blocked"), "th", blocked=True)
    await _person(db, "line", user_id_for("th-quiet"), "th", announcements=False)
    await _person(db, "telegram", "5001", "th")  # Telegram: not in the audience
    broadcast_id = await _broadcast(db, "lang=th,en channel=line", report_to="telegram:777:en")
    worker = worker_for(db, senders)
    await worker.start()
    try:
        await _until(db, broadcast_id, status="done", sent=50)
        report = await telegram_api.wait_for(lambda sent: sent["chat_id"] == 777)
    finally:
        await worker.stop()
    got = {user: message["text"] for user, message in line_api.deliveries}
    assert got == {**{p: NEWS["th"] for p in thai}, **{p: NEWS["en"] for p in english}}
    assert len(line_api.deliveries) == 50  # once each
    requests = [r for r in line_api.received if r["path"].endswith(("/multicast", "/push"))]
    multicasts = [r for r in requests if r["path"].endswith("/multicast")]
    # Concurrent senders may split a language's batch (a lone row is pushed), rarely.
    assert sum(len(r["to"]) for r in requests) == 50 and len(requests) <= 2 + 4
    assert sum(len(r["to"]) for r in multicasts) >= 40
    for request in requests:  # one language version a request
        assert len({got[user] for user in request["to"]}) == 1
    assert telegram_api.sent == [report]
    assert f"Broadcast #{broadcast_id} is done: 50 sent" in report["text"]
    assert await _figures(db, broadcast_id) == {
        "id": broadcast_id,
        "status": "done",
        "recipients": 50,
        "sent": 50,
        "blocked": 0,
        "failed": 0,
        "unknown": 0,
        "pending": 0,
    }


async def test_a_person_who_blocked_the_bot_is_counted_blocked_and_skipped(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    for chat in ("6001", "6002", "6003"):
        await _person(db, "telegram", chat, "en")
    telegram_api.blocked_chats.add(6002)
    broadcast_id = await _broadcast(db, "channel=telegram")
    worker = worker_for(db, senders)
    await worker.start()
    try:
        await _until(db, broadcast_id, status="done")
    finally:
        await worker.stop()
    assert sorted(s["chat_id"] for s in telegram_api.sent) == [6001, 6003]
    figures = await _figures(db, broadcast_id)
    assert (figures["sent"], figures["blocked"]) == (2, 1)
    async with db.session() as session:
        user = await repo.get_user(session, "telegram", "6002")
        assert user is not None and user.blocked
    assert await _figures(db, await _broadcast(db, "all")) == {
        **figures,
        "id": broadcast_id + 1,
        "status": "sending",
        "recipients": 2,  # the next broadcast leaves them out
        "sent": 0,
        "blocked": 0,
        "pending": 2,
    }


async def test_a_scheduled_broadcast_goes_out_at_its_time_after_a_restart(
    tmp_path: Path, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    clock = FakeClock()
    first = Database(url)
    await first.migrate()
    for chat in ("7001", "7002"):
        await _person(first, "telegram", chat, "th")
    broadcast_id = await _broadcast(first, "lang=th", send_at_in=3600, now=clock.now())
    worker = worker_for(first, senders, clock=clock)
    await worker.start()
    await asyncio.sleep(0.5)
    await worker.stop()  # the bot restarts before the send time
    await first.dispose()
    second = Database(url)
    restarted = worker_for(second, senders, clock=clock)
    await restarted.start()
    try:
        await asyncio.sleep(1.0)
        assert telegram_api.sent == []
        assert (await _figures(second, broadcast_id, clock.now()))["status"] == "scheduled"
        clock.advance(hours=1, seconds=1)
        await _until(second, broadcast_id, status="done", sent=2)
        async with second.session() as session:
            row = await session.get(Broadcast, broadcast_id)
            rows = await outbox.listing(session, kind="broadcast")
    finally:
        await restarted.stop()
        await second.dispose()
    assert row is not None and row.send_at is not None
    assert all(r.sent_at is not None and r.sent_at >= row.send_at for r in rows)
    assert [s["text"] for s in telegram_api.sent] == [NEWS["th"]] * 2


async def test_a_cancelled_broadcast_stops(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    for i in range(40):
        await _person(db, "telegram", str(8000 + i), "en")
    broadcast_id = await _broadcast(db, "all")
    worker = worker_for(db, senders, telegram_rate=10.0)
    await worker.start()
    try:
        await telegram_api.wait_for(lambda sent: True)
        async with db.session() as session:
            row = await session.get(Broadcast, broadcast_id)
            assert row is not None
            stopped = await broadcasts.cancel(session, row, utcnow())
        await asyncio.sleep(1.5)
        figures = await _figures(db, broadcast_id)
        sent_after_cancel = len(telegram_api.sent)
        await asyncio.sleep(1.0)
    finally:
        await worker.stop()
    assert stopped >= 30
    assert figures["status"] == "cancelled" and figures["pending"] == 0
    assert len(telegram_api.sent) == sent_after_cancel == figures["sent"] < 40
