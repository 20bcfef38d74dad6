"""The outbox worker through the real senders and the stand-in Telegram and LINE APIs."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from bot.channels.line import LineSender
from bot.channels.telegram import TelegramSender
from bot.core.messages import Reply
from bot.core.ports import Recipient, SystemClock
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.models import Delivery, utcnow
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from tests.deliveries import queue
from tests.standins.line import LineStandIn, user_id_for
from tests.standins.telegram import TelegramStandIn


def worker_for(db: Database, senders: dict[str, TelegramSender | LineSender]) -> DeliveryWorker:
    config = DeliveryConfig(budgets={"telegram": 200.0, "line": 50.0}, tick_seconds=0.2)
    return DeliveryWorker(db, senders, SystemClock(), config)


async def _settled(db: Database, expected: dict[str, int], timeout: float = 15) -> None:
    for _ in range(int(timeout / 0.05)):
        async with db.session() as session:
            if await outbox.counts(session) == expected:
                return
        await asyncio.sleep(0.05)
    async with db.session() as session:
        raise AssertionError(f"outbox {await outbox.counts(session)}, expected {expected}")


async def test_a_chats_replies_arrive_in_the_order_written(
    db: Database, senders: dict[str, TelegramSender | LineSender], telegram_api: TelegramStandIn
) -> None:
    worker = worker_for(db, senders)
    await worker.start()
    try:
        chats = [str(1000 + i) for i in range(10)]
        for n in range(5):
            for chat in random.sample(chats, len(chats)):
                await queue(db, chat, f"{chat}-{n}")
                worker.kick("telegram", chat)
        await _settled(db, {"sent": 50})
    finally:
        await worker.stop()
    for chat in chats:
        got = [s["text"] for s in telegram_api.sent if str(s["chat_id"]) == chat]
        assert got == [f"{chat}-{n}" for n in range(5)]


async def test_a_send_slower_than_the_lease_and_replies_queued_behind_it_go_out_once(
    db: Database, senders: dict[str, TelegramSender | LineSender], telegram_api: TelegramStandIn
) -> None:
    # Each send takes 1.5 leases; 12 chats share 4 sending slots, so most replies wait for a
    # slot for longer than a lease too. Neither a slow send nor the wait looks like a crash.
    telegram_api.send_delay = 1.5
    config = DeliveryConfig(
        budgets={"telegram": 200.0},
        lease=timedelta(seconds=1),
        reply_concurrency=4,
        tick_seconds=0.2,
    )
    worker = DeliveryWorker(db, senders, SystemClock(), config)
    await worker.start()
    try:
        chats = [str(2000 + i) for i in range(12)]
        for chat in chats:
            await queue(db, chat, f"hello {chat}")
            worker.kick("telegram", chat)
        await _settled(db, {"sent": 12}, timeout=30)
    finally:
        await worker.stop()
    assert sorted(s["text"] for s in telegram_api.sent) == sorted(f"hello {c}" for c in chats)


async def test_a_429_waits_and_a_403_blocks_the_person(
    db: Database, senders: dict[str, TelegramSender | LineSender], telegram_api: TelegramStandIn
) -> None:
    async with db.session() as session:
        await repo.get_or_create_user(session, "telegram", "66", "66")
    telegram_api.blocked_chats.add(66)
    telegram_api.rate_limit_next(1, retry_after=1)
    worker = worker_for(db, senders)
    await queue(db, "55", "news", kind="broadcast", lane=outbox.BULK)
    await queue(db, "66", "news", kind="broadcast", lane=outbox.BULK)
    await queue(db, "66", "more news", kind="broadcast", lane=outbox.BULK)
    await worker.start()
    try:
        await _settled(db, {"sent": 1, "blocked": 2})
    finally:
        await worker.stop()
    assert [s["text"] for s in telegram_api.sent if s["chat_id"] == 55] == ["news"]
    async with db.session() as session:
        user = await repo.get_user(session, "telegram", "66")
        assert user is not None and user.blocked


async def test_identical_line_content_goes_out_by_multicast_once_each(
    db: Database, senders: dict[str, TelegramSender | LineSender], line_api: LineStandIn
) -> None:
    people = [user_id_for(f"reader-{i}") for i in range(1200)]
    async with db.session() as session:
        for person in people:
            await outbox.add(
                session,
                kind="broadcast",
                channel="line",
                chat_id=person,
                replies=[Reply("ข่าวดี")],
                due_at=utcnow(),
                group_key="b7:th",
            )
    worker = worker_for(db, senders)
    await worker.start()
    try:
        await _settled(db, {"sent": 1200})
    finally:
        await worker.stop()
    requests = [r for r in line_api.received if r["path"].endswith(("/multicast", "/push"))]
    sizes = [len(r["json"]["to"]) if isinstance(r["json"]["to"], list) else 1 for r in requests]
    # 3 requests of up to 500; concurrent senders may split a batch (a lone row is pushed).
    assert sum(sizes) == 1200 and max(sizes) == 500 and len(sizes) <= 3 + 4
    assert len({r["retry_key"] for r in requests}) == len(requests)
    delivered = [user for user, _ in line_api.deliveries]
    assert sorted(delivered) == sorted(people)


async def test_a_line_batch_interrupted_by_a_crash_is_not_delivered_twice(
    db: Database, senders: dict[str, TelegramSender | LineSender], line_api: LineStandIn
) -> None:
    people = [user_id_for(f"crash-{i}") for i in range(3)]
    for person in people:
        await queue(
            db,
            person,
            "news",
            kind="broadcast",
            lane=outbox.BULK,
            channel="line",
            group_key="b8:en",
        )
    lease = timedelta(seconds=30)
    async with db.session() as session:  # a worker claims the batch, sends it, then dies
        batch = await outbox.claim_bulk(session, "line", utcnow(), lease, 500)
    sender = senders["line"]
    assert batch[0].batch_key is not None
    await sender.send_many(
        [r.chat_id for r in batch], [Reply("news")], retry_key=batch[0].batch_key
    )
    async with db.session() as session:
        assert await outbox.recover(session, utcnow() + lease * 2) == (3, 0)
    worker = worker_for(db, senders)
    await worker.start()
    try:
        await _settled(db, {"sent": 3})
    finally:
        await worker.stop()
    assert sorted(user for user, _ in line_api.deliveries) == sorted(people)  # once each
    accepted = [r for r in line_api.received if r["path"].endswith("/multicast")]
    assert len(accepted) == 1  # the retry under the same key was answered 409: sent before
    async with db.session() as session:
        rows = [await session.get(Delivery, row.id) for row in batch]
    assert all(row is not None and row.attempts == 2 for row in rows)


async def test_a_failed_reply_is_retried_and_then_delivered(
    db: Database, senders: dict[str, TelegramSender | LineSender], line_api: LineStandIn
) -> None:
    person = user_id_for("unlucky")
    line_api.rate_limit_next(2)
    delivery = await queue(db, person, "สวัสดีค่ะ", channel="line")
    worker = worker_for(db, senders)
    await worker.start()
    try:
        worker.kick("line", person)
        await _settled(db, {"sent": 1}, timeout=20)
    finally:
        await worker.stop()
    async with db.session() as session:
        row = await session.get(Delivery, delivery)
    assert row is not None and row.attempts == 3
    assert [m["text"] for m in line_api.messages_to(person)] == ["สวัสดีค่ะ"]


async def test_a_reply_token_is_used_while_fresh(
    db: Database, senders: dict[str, TelegramSender | LineSender], line_api: LineStandIn
) -> None:
    person = user_id_for("fresh")
    token = line_api.issue_reply_token(person)
    sent = await senders["line"].send(Recipient(person, token), [Reply("hi")], retry_key="r")
    assert sent == [] and [r["path"] for r in line_api.received] == ["/v2/bot/message/reply"]


async def test_a_worker_stopped_while_its_lanes_claim_stops_at_once(
    db: Database, senders: dict[str, TelegramSender | LineSender]
) -> None:
    """stop() wakes the bulk lanes: one that was claiming meanwhile does not wait for grace."""
    loop = asyncio.get_running_loop()
    for pause in (0.0, 0.001, 0.003, 0.01, 0.03):
        worker = worker_for(db, senders)
        await worker.start()
        await asyncio.sleep(pause)  # the lanes are somewhere in their first claim
        started = loop.time()
        await worker.stop(grace=5.0)
        assert loop.time() - started < 2.0, pause
