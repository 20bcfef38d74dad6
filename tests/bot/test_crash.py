"""The bot killed with SIGKILL loses no reply and keeps order (after a burst of updates), and
keeps one progress message and one report of a broadcast (in the middle of one).

The bot runs as a separate process (tests/botprocess.py) against the Telegram stand-in, which
takes 1 s to answer each send, and the scripted NLU; the database is a SQLite file or a
PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from actions.knowledge import Knowledge
from bot.storage.database import Database
from scheduler.delivery import DeliveryConfig
from tests.botprocess import BotProcess
from tests.broadcasting import person, queue_broadcast, under_way
from tests.standins.rasa import RasaStandIn
from tests.standins.telegram import TelegramStandIn

USERS = 50  # each sends two questions: 100 updates
QUESTIONS = {"who funds this initiative": "funding", "what is lmec exactly": "lmec_about"}
STAFF = -100321  # the chat a broadcast was composed in


@pytest.fixture
async def stand_ins() -> AsyncIterator[tuple[TelegramStandIn, RasaStandIn]]:
    async with TelegramStandIn() as telegram, RasaStandIn(QUESTIONS) as rasa:
        yield telegram, rasa


def replies_to(telegram: TelegramStandIn, chat: int) -> list[str]:
    return [s["text"] for s in telegram.sent if s["chat_id"] == chat]


async def test_sigkill_after_a_burst_of_100_updates_loses_no_reply(
    database_url: str, stand_ins: tuple[TelegramStandIn, RasaStandIn], knowledge: Knowledge
) -> None:
    telegram, rasa = stand_ins
    telegram.send_delay = 1.0
    bot = BotProcess(database_url, rasa.url, telegram=telegram)
    await bot.start()
    chats = [5000 + i for i in range(USERS)]
    try:
        async with httpx.AsyncClient(timeout=30) as http:

            async def person(chat: int) -> None:
                for question in QUESTIONS:
                    update = telegram.text_update(chat, question)
                    assert await bot.post_telegram(http, update) == 200

            await asyncio.gather(*(person(chat) for chat in chats))
        # Every update was answered 200: claimed, replies in the outbox. Kill the bot now.
        bot.kill()
        before = len(telegram.sent)
        assert before < 2 * USERS, "the kill came too late to test anything"
        await bot.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(len(set(replies_to(telegram, chat))) == 2 for chat in chats):
                break
            await asyncio.sleep(0.2)
    finally:
        bot.stop()
    expected = [knowledge.entries[intent].answer.texts["en"] for intent in QUESTIONS.values()]
    duplicates = 0
    for chat in chats:
        got = replies_to(telegram, chat)
        in_order = [text for i, text in enumerate(got) if i == 0 or got[i - 1] != text]
        assert in_order == expected, f"chat {chat}: {got}"
        duplicates += len(got) - len(in_order)
    print(
        f"sent before the kill: {before}, after: {len(telegram.sent) - before}, twice: {duplicates}"
    )
    # Only a reply in flight at the kill may be sent twice (the platform may have taken it).
    assert duplicates <= DeliveryConfig(budgets={}).reply_concurrency


async def test_sigkill_in_the_middle_of_a_broadcast_keeps_one_progress_message_and_one_report(
    database_url: str, stand_ins: tuple[TelegramStandIn, RasaStandIn]
) -> None:
    telegram, rasa = stand_ins
    db = Database(database_url)
    await db.migrate()
    for i in range(80):
        await person(db, "telegram", str(7000 + i), "en")
    broadcast_id = await queue_broadcast(db, "all", report_to=f"telegram:{STAFF}:en")
    bot = BotProcess(
        database_url,
        rasa.url,
        telegram=telegram,
        telegram_bulk_rate="20",
        broadcast_progress_seconds="0.5",
    )
    await bot.start()
    try:
        await under_way(db, broadcast_id, telegram, sent=20)
        bot.kill()
        before = len([s for s in telegram.sent if s["chat_id"] != STAFF])
        assert before < 80, "the kill came too late to test anything"
        await bot.start()
        report = await telegram.wait_for(
            lambda s: s["chat_id"] == STAFF and s["text"].startswith("Broadcast #"), timeout=60
        )
        await asyncio.sleep(1.5)  # anything after the report would show now
    finally:
        bot.stop()
        await db.dispose()
    staff = [s for s in telegram.sent if s["chat_id"] == STAFF]
    progress = [s for s in staff if s["text"].startswith("📣")]
    assert [s["method"] for s in progress].count("sendMessage") == 1
    assert len({s["result"]["message_id"] for s in progress}) == 1
    assert progress[-1]["text"].startswith(f"📣 Broadcast #{broadcast_id}\n")  # its end
    assert [s for s in staff if s["text"].startswith("Broadcast #")] == [report]
    got = [s["chat_id"] for s in telegram.sent if s["chat_id"] != STAFF]
    assert len(got) == len(set(got))  # nobody twice
    print(f"sent before the kill: {before}; report: {report['text']}")
