"""Staff's progress message and final report of a broadcast, through the real worker, the
real python-telegram-bot and line-bot-sdk senders and the stand-in APIs, on SQLite and
PostgreSQL: one progress message edited in place, one report whatever the last delivery became.
"""

from __future__ import annotations

import asyncio
import itertools
import re

import pytest

from bot.storage import broadcasts
from bot.storage.database import Database
from bot.storage.models import Broadcast, utcnow
from tests.broadcasting import person, queue_broadcast, sending, under_way, until
from tests.scheduler.conftest import Senders
from tests.standins.line import LineStandIn, user_id_for
from tests.standins.telegram import Json, TelegramStandIn

STAFF = -100555
REPORT_TO = f"telegram:{STAFF}:en"


def _staff(telegram_api: TelegramStandIn) -> list[Json]:
    return [s for s in telegram_api.sent if s["chat_id"] == STAFF]


def _reports(telegram_api: TelegramStandIn) -> list[str]:
    return [s["text"] for s in _staff(telegram_api) if s["text"].startswith("Broadcast #")]


def _one_progress_message(telegram_api: TelegramStandIn) -> tuple[int, list[str]]:
    """The progress message's id and its texts, first to last; fails unless there is one."""
    progress = [s for s in _staff(telegram_api) if s["text"].startswith("📣 Broadcast #")]
    new = [s for s in progress if s["method"] == "sendMessage"]
    assert len(new) == 1, f"{len(new)} progress messages: {[s['text'] for s in new]}"
    message_id = new[0]["result"]["message_id"]
    assert all(s["result"]["message_id"] == message_id for s in progress)
    assert all(s["method"] == "editMessageText" for s in progress[1:])
    return message_id, [s["text"] for s in progress]


async def _people(db: Database, n: int, base: int = 9000) -> None:
    for i in range(n):
        await person(db, "telegram", str(base + i), "en")


async def _reported(telegram_api: TelegramStandIn, timeout: float = 30) -> str:
    found = await telegram_api.wait_for(
        lambda s: s["chat_id"] == STAFF and s["text"].startswith("Broadcast #"), timeout
    )
    await asyncio.sleep(0.5)  # anything after the report would show now
    return str(found["text"])


async def test_staff_see_one_progress_message_edited_in_place_and_one_report(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    await _people(db, 40)
    broadcast_id = await queue_broadcast(db, "all", report_to=REPORT_TO)
    async with sending(db, senders, telegram_rate=20.0, progress_seconds=0.4):
        report = await _reported(telegram_api)
    message_id, texts = _one_progress_message(telegram_api)
    assert len(texts) >= 3  # sent, edited while sending, edited at the end
    sending_now = re.compile(
        rf"📣 Broadcast #{broadcast_id}: sending…\n[█░]{{12}} \d+%\n"
        r"(\d+) of 40 sent · [\d.]+/s · about (?:\d:\d\d:\d\d|\?) left"
    )
    counts = [int(m[1]) for text in texts[:-1] if (m := sending_now.fullmatch(text))]
    assert len(counts) == len(texts) - 1 and counts == sorted(counts)
    assert re.fullmatch(
        rf"📣 Broadcast #{broadcast_id}\n█{{12}} 100%\n40 of 40 sent in \d:\d\d:\d\d \([\d.]+/s\)",
        texts[-1],
    )
    assert report == (
        f"Broadcast #{broadcast_id} is done: 40 sent, 0 blocked the bot, 0 failed, 0 unknown"
        " (of 40)."
    )
    assert _reports(telegram_api) == [report]
    async with db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None and row.progress_message == str(message_id)
        assert row.status == "done" and row.reported_at is not None
    # Edits at most every 0.4 s while sending (the last one comes when it ends).
    moments = [
        moment
        for s, moment in zip(telegram_api.sent, telegram_api.sent_at, strict=True)
        if s["chat_id"] == STAFF and s["text"].startswith("📣")
    ]
    assert all(b - a >= 0.3 for a, b in itertools.pairwise(moments[:-1]))


@pytest.mark.parametrize(
    ("last", "outcome"),
    [("blocked", "1 blocked the bot, 0 failed"), ("failed", "0 blocked the bot, 1 failed")],
)
async def test_the_report_comes_whatever_became_of_the_last_delivery(
    db: Database, senders: Senders, telegram_api: TelegramStandIn, last: str, outcome: str
) -> None:
    await _people(db, 3)
    # The last one in the queue blocked the bot (403), or is gone ("chat not found": failed).
    (telegram_api.blocked_chats if last == "blocked" else telegram_api.missing_chats).add(9002)
    broadcast_id = await queue_broadcast(db, "all", report_to=REPORT_TO)
    async with sending(db, senders):
        report = await _reported(telegram_api)
    assert report == f"Broadcast #{broadcast_id} is done: 2 sent, {outcome}, 0 unknown (of 3)."
    assert _reports(telegram_api) == [report]


async def test_a_cancelled_broadcast_reports_once_what_was_and_was_not_sent(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    await _people(db, 30)
    broadcast_id = await queue_broadcast(db, "all", report_to=REPORT_TO)
    async with sending(db, senders, telegram_rate=10.0):
        await telegram_api.wait_for(lambda s: s["chat_id"] != STAFF)
        async with db.session() as session:
            row = await session.get(Broadcast, broadcast_id)
            assert row is not None
            await broadcasts.cancel(session, row, utcnow())
        report = await _reported(telegram_api)
    sent = len([s for s in telegram_api.sent if s["chat_id"] != STAFF])
    assert report == (
        f"Broadcast #{broadcast_id} was cancelled: {sent} sent, 0 blocked the bot, 0 failed,"
        f" 0 unknown, {30 - sent} not sent (of 30)."
    )
    assert 0 < sent < 30 and _reports(telegram_api) == [report]


async def test_a_restart_in_the_middle_keeps_one_progress_message_and_one_report(
    database_url: str, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    first = Database(database_url)
    await first.migrate()
    await _people(first, 60)
    broadcast_id = await queue_broadcast(first, "all", report_to=REPORT_TO)
    stopped = False
    try:
        async with sending(first, senders, telegram_rate=20.0, lease_seconds=1.0) as bot:
            await under_way(first, broadcast_id, telegram_api, sent=20)
            await bot.stop(grace=0)  # the bot dies: sends under way are cut off
            stopped = True
    finally:
        await first.dispose()
    assert stopped
    before = len(telegram_api.sent)
    assert 20 < before < 50, "the restart came too late (or too early) to test anything"
    second = Database(database_url)
    try:
        async with sending(second, senders, telegram_rate=20.0, lease_seconds=1.0):
            report = await _reported(telegram_api)
            await until(second, broadcast_id, status="done")
    finally:
        await second.dispose()
    _, texts = _one_progress_message(telegram_api)
    assert texts[-1].startswith(f"📣 Broadcast #{broadcast_id}\n█")
    assert _reports(telegram_api) == [report]
    got = [s["chat_id"] for s in telegram_api.sent if s["chat_id"] != STAFF]
    figures = re.fullmatch(
        rf"Broadcast #{broadcast_id} is done: (\d+) sent, 0 blocked the bot, 0 failed,"
        r" (\d+) unknown \(of 60\)\.",
        report,
    )
    assert figures is not None, report
    sent, unknown = int(figures[1]), int(figures[2])
    # Nobody twice; a send cut off by the kill is `unknown` (it may have arrived), never repeated.
    assert len(set(got)) == len(got) and sent + unknown == 60
    assert sent <= len(got) <= sent + unknown


async def test_two_workers_on_one_database_still_send_one_progress_message_and_one_report(
    database_url: str, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    one, two = Database(database_url), Database(database_url)
    await one.migrate()
    await _people(one, 40)
    broadcast_id = await queue_broadcast(one, "all", report_to=REPORT_TO)
    try:
        async with (
            sending(one, senders, telegram_rate=10.0, progress_seconds=0.3),
            sending(two, senders, telegram_rate=10.0, progress_seconds=0.3),
        ):
            report = await _reported(telegram_api)
    finally:
        await one.dispose()
        await two.dispose()
    _, texts = _one_progress_message(telegram_api)
    assert len(texts) >= 3
    assert _reports(telegram_api) == [report] and f"#{broadcast_id} is done: 40 sent" in report


async def test_staff_on_line_get_no_progress_only_the_report(
    db: Database, senders: Senders, telegram_api: TelegramStandIn, line_api: LineStandIn
) -> None:
    staff = user_id_for("line-staff")
    await _people(db, 10)
    broadcast_id = await queue_broadcast(db, "all", report_to=f"line:{staff}:en")
    async with sending(db, senders, telegram_rate=10.0, progress_seconds=0.2):
        await until(db, broadcast_id, status="done")
        for _ in range(50):
            if line_api.messages_to(staff):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    assert [m["text"] for m in line_api.messages_to(staff)] == [
        f"Broadcast #{broadcast_id} is done: 10 sent, 0 blocked the bot, 0 failed, 0 unknown"
        " (of 10)."
    ]


async def test_a_broadcast_from_the_command_line_is_marked_done_and_reports_nowhere(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    await _people(db, 3)
    broadcast_id = await queue_broadcast(db, "all")
    async with sending(db, senders):
        for _ in range(100):
            async with db.session() as session:
                row = await session.get(Broadcast, broadcast_id)
                assert row is not None
                if row.reported_at is not None:
                    break
            await asyncio.sleep(0.1)
    assert row.status == "done" and row.progress_message is None
    assert len(telegram_api.sent) == 3


async def test_a_progress_message_that_cannot_be_edited_is_sent_anew_and_followed(
    db: Database, senders: Senders, telegram_api: TelegramStandIn
) -> None:
    await _people(db, 30)
    broadcast_id = await queue_broadcast(db, "all", report_to=REPORT_TO)
    async with sending(db, senders, telegram_rate=10.0, progress_seconds=0.3):
        first = await telegram_api.wait_for(lambda s: s["text"].startswith("📣"))
        telegram_api.delete_message(STAFF, first["result"]["message_id"])  # staff deleted it
        report = await _reported(telegram_api)
    progress = [s for s in _staff(telegram_api) if s["text"].startswith("📣")]
    new = [s for s in progress if s["method"] == "sendMessage"]
    assert len(new) == 2  # the first, and the one sent when it could not be edited
    later = [s for s in progress if s["result"]["message_id"] != first["result"]["message_id"]]
    assert later[0]["method"] == "sendMessage" and len(later) >= 2
    assert all(s["method"] == "editMessageText" for s in later[1:])
    async with db.session() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None and row.progress_message == str(later[0]["result"]["message_id"])
    assert _reports(telegram_api) == [report]
