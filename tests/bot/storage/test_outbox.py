"""The outbox's claims on SQLite and PostgreSQL: order per chat, multicast batches, crashes."""

import asyncio
from datetime import timedelta

from bot.core.messages import Reply
from bot.storage import outbox
from bot.storage.database import Database
from bot.storage.models import Delivery, utcnow
from tests.deliveries import queue

LEASE = timedelta(seconds=30)


async def test_a_dedupe_key_is_queued_once(db: Database) -> None:
    first = await queue(db, "1", "hi", dedupe_key="reminder:e1:v1:1d:7")
    async with db.session() as session:
        again = await outbox.add(
            session,
            kind="reminder",
            channel="telegram",
            chat_id="1",
            replies=[Reply("hi")],
            due_at=utcnow(),
            dedupe_key="reminder:e1:v1:1d:7",
        )
    assert first and again is None


async def test_a_chats_replies_are_claimed_one_after_another(db: Database) -> None:
    ids = [await queue(db, "42", f"reply {i}") for i in range(3)]
    await queue(db, "43", "another chat")
    async with db.session() as session:
        head = await outbox.claim_reply(session, "telegram", "42", utcnow(), LEASE)
    assert head is not None and head.id == ids[0]
    async with db.session() as session:  # the first is in flight: nothing more for this chat
        assert await outbox.claim_reply(session, "telegram", "42", utcnow(), LEASE) is None
        other = await outbox.claim_reply(session, "telegram", "43", utcnow(), LEASE)
        assert other is not None
    async with db.session() as session:
        await outbox.mark(session, [ids[0]], outbox.SENT, utcnow())
    async with db.session() as session:
        second = await outbox.claim_reply(session, "telegram", "42", utcnow(), LEASE)
    assert second is not None and second.id == ids[1]


async def test_identical_line_content_is_claimed_as_one_multicast(db: Database) -> None:
    for i in range(7):
        await queue(
            db,
            f"U{i}",
            "news",
            kind="broadcast",
            lane=outbox.BULK,
            channel="line",
            group_key="b1:th",
        )
    await queue(
        db, "U9", "other", kind="broadcast", lane=outbox.BULK, channel="line", group_key="b1:en"
    )
    async with db.session() as session:
        batch = await outbox.claim_bulk(session, "line", utcnow(), LEASE, max_recipients=5)
    assert len(batch) == 5 and {row.group_key for row in batch} == {"b1:th"}
    assert len({row.batch_key for row in batch}) == 1 and batch[0].batch_key is not None
    async with db.session() as session:  # Telegram takes one recipient a request
        rest = await outbox.claim_bulk(session, "line", utcnow(), LEASE, max_recipients=1)
    assert len(rest) == 1


async def test_an_interrupted_send_is_resent_or_unknown_by_its_kind(db: Database) -> None:
    reply = await queue(db, "1", "answer")
    broadcast = await queue(db, "2", "news", kind="broadcast", lane=outbox.BULK)
    line_broadcast = await queue(
        db, "U3", "news", kind="broadcast", lane=outbox.BULK, channel="line", group_key="g"
    )
    now = utcnow()
    async with db.session() as session:  # claimed by a worker that then died
        assert await outbox.claim_reply(session, "telegram", "1", now, LEASE)
        assert await outbox.claim_bulk(session, "telegram", now, LEASE, 1)
        line_batch = await outbox.claim_bulk(session, "line", now, LEASE, 500)
    async with db.session() as session:  # the lease has run out
        again, unknown = await outbox.recover(session, now + LEASE + timedelta(seconds=1))
    assert (again, unknown) == (2, 1)
    async with db.session() as session:
        rows = {i: await session.get(Delivery, i) for i in (reply, broadcast, line_broadcast)}
    assert rows[reply].status == outbox.PENDING  # type: ignore[union-attr]
    assert rows[broadcast].status == outbox.UNKNOWN  # type: ignore[union-attr]
    resent = rows[line_broadcast]
    assert resent is not None and resent.status == outbox.PENDING
    assert resent.batch_key == line_batch[0].batch_key  # sent again under the same retry key


async def test_a_live_lease_is_not_taken_for_a_crash(db: Database) -> None:
    await queue(db, "1", "answer")
    async with db.session() as session:
        assert await outbox.claim_reply(session, "telegram", "1", utcnow(), LEASE)
    async with db.session() as session:
        assert await outbox.recover(session, utcnow()) == (0, 0)


async def test_two_workers_never_claim_the_same_row(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    await first.migrate()
    try:
        async with first.session() as session:
            for i in range(200):
                await outbox.add(
                    session,
                    kind="broadcast",
                    channel="telegram",
                    chat_id=str(i),
                    replies=[Reply("news")],
                    due_at=utcnow() - timedelta(seconds=1),
                )

        async def drain(db: Database) -> list[int]:
            claimed: list[int] = []
            while True:
                async with db.session() as session:
                    rows = await outbox.claim_bulk(session, "telegram", utcnow(), LEASE, 1)
                if not rows:
                    return claimed
                claimed += [row.id for row in rows]
                async with db.session() as session:
                    await outbox.mark(session, [row.id for row in rows], outbox.SENT, utcnow())

        parts = await asyncio.gather(drain(first), drain(second), drain(first), drain(second))
        claimed = [row for part in parts for row in part]
        assert len(claimed) == len(set(claimed)) == 200
        async with first.session() as session:
            assert await outbox.counts(session) == {"sent": 200}
    finally:
        await first.dispose()
        await second.dispose()


async def test_only_a_row_not_yet_claimed_is_revised_or_cancelled(db: Database) -> None:
    later = utcnow() + timedelta(hours=1)
    claimed = await queue(db, "1", "8:30 AM", kind="reminder", lane=outbox.BULK)
    kept = await queue(db, "2", "8:30 AM", kind="reminder", lane=outbox.BULK)
    async with db.session() as session:  # the first is being sent
        rows = await outbox.claim_bulk(session, "telegram", utcnow(), LEASE, 1)
        assert [row.id for row in rows] == [claimed]
    async with db.session() as session:
        revised = [
            await outbox.revise(
                session, row_id, due_at=later, replies=[Reply("8:00 AM")], group_key="g"
            )
            for row_id in (kept, claimed)
        ]
        assert revised == [True, False]
        assert not await outbox.cancel(session, claimed, "too late")
    async with db.session() as session:
        rows = {row.id: row for row in await outbox.listing(session)}
        assert Reply.from_json(rows[kept].content[0]).text == "8:00 AM"
        assert rows[kept].group_key == "g" and rows[kept].status == outbox.PENDING
        assert Reply.from_json(rows[claimed].content[0]).text == "8:30 AM"
        assert rows[claimed].status == outbox.SENDING
        assert await outbox.cancel(session, kept, "no time left")
    async with db.session() as session:
        rows = {row.id: row for row in await outbox.listing(session)}
        assert (rows[kept].status, rows[kept].error) == (outbox.CANCELLED, "no time left")
