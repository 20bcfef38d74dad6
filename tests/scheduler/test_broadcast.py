"""Broadcasts through the real DeliveryWorker, senders and the stand-in Telegram and LINE APIs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage import broadcasts, outbox, repo
from bot.storage.database import Database
from bot.storage.models import Broadcast, utcnow
from tests.broadcasting import NEWS, person, queue_broadcast, sending, until
from tests.broadcasting import figures_of as _figures
from tests.clock import FakeClock
from tests.scheduler.conftest import Senders
from tests.standins.line import LineStandIn, user_id_for
from tests.standins.telegram import TelegramStandIn


async def test_thai_and_english_line_users_get_their_language_by_multicast(
    db: Database, senders: Senders, line_api: LineStandIn, telegram_api: TelegramStandIn
) -> None:
    thai = [user_id_for(f"th-{i}") for i in range(30)]
    english = [user_id_for(f"en-{i}") for i in range(20)]
    for who in thai:
        await person(db, "line", who, "th")
    for who in english:
        await person(db, "line", who, "en")
    await person(db, "line", user_id_for("vi-1"), "vi")  # not in the audience
    await person(db, "line", user_id_for("th-blocked"), "th", blocked=True)
    await person(db, "line", user_id_for("th-quiet"), "th", announcements=False)
    await person(db, "telegram", "5001", "th")  # Telegram: not in the audience
    broadcast_id = await queue_broadcast(db, "lang=th,en channel=line", report_to="telegram:777:en")
    async with sending(db, senders):
        await until(db, broadcast_id, status="done", sent=50)
        report = await telegram_api.wait_for(lambda sent: sent["text"].startswith("Broadcast #"))
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
    # Staff see a progress message (maybe) and one report; nobody else on Telegram gets a thing.
    assert {sent["chat_id"] for sent in telegram_api.sent} == {777}
    assert [s for s in telegram_api.sent if s["text"].startswith("Broadcast #")] == [report]
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
        await person(db, "telegram", chat, "en")
    telegram_api.blocked_chats.add(6002)
    broadcast_id = await queue_broadcast(db, "channel=telegram")
    async with sending(db, senders):
        await until(db, broadcast_id, status="done")
    assert sorted(s["chat_id"] for s in telegram_api.sent) == [6001, 6003]
    figures = await _figures(db, broadcast_id)
    assert (figures["sent"], figures["blocked"]) == (2, 1)
    async with db.session() as session:
        user = await repo.get_user(session, "telegram", "6002")
        assert user is not None and user.blocked
    assert await _figures(db, await queue_broadcast(db, "all")) == {
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
        await person(first, "telegram", chat, "th")
    broadcast_id = await queue_broadcast(first, "lang=th", send_at_in=3600, now=clock.now())
    async with sending(first, senders, clock=clock):
        await asyncio.sleep(0.5)
    await first.dispose()  # the bot restarts before the send time
    second = Database(url)
    try:
        async with sending(second, senders, clock=clock):
            await asyncio.sleep(1.0)
            assert telegram_api.sent == []
            assert (await _figures(second, broadcast_id, clock.now()))["status"] == "scheduled"
            clock.advance(hours=1, seconds=1)
            await until(second, broadcast_id, status="done", sent=2)
            async with second.session() as session:
                row = await session.get(Broadcast, broadcast_id)
                rows = await outbox.listing(session, kind="broadcast")
    finally:
        await second.dispose()
    assert row is not None and row.send_at is not None
    assert all(r.sent_at is not None and r.sent_at >= row.send_at for r in rows)
    assert [s["text"] for s in telegram_api.sent] == [NEWS["th"]] * 2


async def test_a_cancelled_broadcast_stops(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    for i in range(40):
        await person(db, "telegram", str(8000 + i), "en")
    broadcast_id = await queue_broadcast(db, "all")
    async with sending(db, senders, telegram_rate=10.0):
        await telegram_api.wait_for(lambda sent: True)
        async with db.session() as session:
            row = await session.get(Broadcast, broadcast_id)
            assert row is not None
            stopped = await broadcasts.cancel(session, row, utcnow())
        await asyncio.sleep(1.5)
        figures = await _figures(db, broadcast_id)
        sent_after_cancel = len(telegram_api.sent)
        await asyncio.sleep(1.0)
    assert stopped >= 30
    assert figures["status"] == "cancelled" and figures["pending"] == 0
    assert len(telegram_api.sent) == sent_after_cancel == figures["sent"] < 40
