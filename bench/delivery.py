"""Outbox benchmark: N broadcast deliveries through the real senders to the stand-in APIs.

Half go to Telegram (one request each, paced by the bulk budget), half to LINE (identical
content: multicasts of up to 500). The bot runs as its own process; simulated users keep writing
to it through the Telegram webhook meanwhile, and the latency of their replies is measured. A
second run kills the bot with SIGKILL at a random point and restarts it. One JSON line per run:

    {"n", "sent", "lost", "duplicated", "unknown", "rate_per_s", "budget_per_s",
     "reply_p99_ms", "killed"}

rate_per_s is the Telegram send rate (first to last broadcast send); lost counts recipients that
got nothing and whose row is not `unknown`; duplicated counts recipients who got it twice.

    .venv/bin/python bench/delivery.py [-n 5000] [--budget 25] [--database URL] [--no-kill]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.messages import Reply  # noqa: E402
from bot.storage import outbox  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.models import Delivery, utcnow  # noqa: E402
from tests.botprocess import BotProcess  # noqa: E402
from tests.standins.line import LineStandIn, user_id_for  # noqa: E402
from tests.standins.rasa import RasaStandIn  # noqa: E402
from tests.standins.telegram import TelegramStandIn  # noqa: E402

WRITERS = 5  # users writing to the bot while the broadcast goes out, each every ~0.5 s
QUESTION = "who funds this initiative"
TELEGRAM_FIRST_CHAT = 10_000_000
WRITER_FIRST_CHAT = 90_000_000


async def queue(database_url: str, n: int) -> tuple[list[int], list[str]]:
    """N broadcast rows, written before the bot starts; the recipients of each channel."""
    telegram = [TELEGRAM_FIRST_CHAT + i for i in range(n // 2)]
    line = [user_id_for(f"bench-{i}") for i in range(n - n // 2)]
    db = Database(database_url)
    await db.migrate()
    try:
        async with db.session() as session:
            now = utcnow()
            for chat in telegram:
                await outbox.add(
                    session,
                    kind="broadcast",
                    channel="telegram",
                    chat_id=str(chat),
                    replies=[Reply("📣 Green Lancang-Mekong youth forum: registration is open")],
                    due_at=now,
                    dedupe_key=f"broadcast:bench:{chat}",
                )
            for user in line:
                await outbox.add(
                    session,
                    kind="broadcast",
                    channel="line",
                    chat_id=user,
                    replies=[Reply("📣 ฟอรัมเยาวชนล้านช้าง-แม่โขงสีเขียว เปิดรับสมัครแล้ว")],
                    due_at=now,
                    group_key="bench:th",
                    dedupe_key=f"broadcast:bench:{user}",
                )
    finally:
        await db.dispose()
    return telegram, line


async def outbox_counts(database_url: str) -> dict[str, int]:
    """The broadcast rows by status (the writers' replies are not counted)."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            rows = await session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.kind == "broadcast")
                .group_by(Delivery.status)
            )
            return {status: count for status, count in rows.all()}
    finally:
        await db.dispose()


async def run(n: int, budget: float, database_url: str, kill: bool, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    telegram_chats, line_users = await queue(database_url, n)
    async with (
        TelegramStandIn() as telegram,
        LineStandIn() as line,
        RasaStandIn({QUESTION: "funding"}) as rasa,
    ):
        telegram.send_delay = 0.02  # a Bot API answering in 20 ms
        bot = BotProcess(
            database_url, rasa.url, telegram=telegram, line=line, telegram_bulk_rate=str(budget)
        )
        latencies: list[float] = []
        done = asyncio.Event()

        async def writer(chat: int) -> None:
            async with httpx.AsyncClient(timeout=30) as http:
                while not done.is_set():
                    seen = sum(1 for s in telegram.sent if s["chat_id"] == chat)
                    started = time.perf_counter()
                    try:
                        status = await bot.post_telegram(http, telegram.text_update(chat, QUESTION))
                    except httpx.HTTPError:
                        status = 0  # the bot is down (killed): try again
                    if status == 200:
                        while sum(1 for s in telegram.sent if s["chat_id"] == chat) <= seen:
                            await telegram.sent_more(timeout=0.5)
                            if done.is_set():
                                return
                        latencies.append((time.perf_counter() - started) * 1000)
                    await asyncio.sleep(0.5)

        await bot.start()
        started = time.monotonic()
        writers = [asyncio.create_task(writer(WRITER_FIRST_CHAT + i)) for i in range(WRITERS)]
        try:
            if kill:
                expected = len(telegram_chats) / budget
                await asyncio.sleep(rng.uniform(0.2, 0.8) * expected)
                bot.kill()
                await bot.start()
            while True:
                counts = await outbox_counts(database_url)
                if not counts.get(outbox.PENDING) and not counts.get(outbox.SENDING):
                    break
                if time.monotonic() - started > 3600:
                    raise RuntimeError(f"not finished after an hour: {counts}")
                await asyncio.sleep(1)
        finally:
            done.set()
            await asyncio.gather(*writers, return_exceptions=True)
            bot.stop()

    wanted = {str(chat) for chat in telegram_chats} | set(line_users)
    received = Counter(str(s["chat_id"]) for s in telegram.sent if str(s["chat_id"]) in wanted)
    received.update(user for user, _ in line.deliveries if user in wanted)
    counts = await outbox_counts(database_url)
    unknown = counts.get(outbox.UNKNOWN, 0)
    missing = len(wanted - set(received))
    stamps = [
        at
        for s, at in zip(telegram.sent, telegram.sent_at, strict=True)
        if str(s["chat_id"]) in wanted
    ]
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return {
        "n": n,
        "sent": counts.get(outbox.SENT, 0),
        "lost": max(0, missing - unknown),
        "duplicated": sum(1 for count in received.values() if count > 1),
        "unknown": unknown,
        "rate_per_s": round(rate, 2),
        "budget_per_s": budget,
        "reply_p99_ms": round(statistics.quantiles(latencies, n=100)[98], 1)
        if len(latencies) >= 2
        else None,
        "killed": kill,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=5000, help="deliveries (half Telegram, half LINE)")
    parser.add_argument("--budget", type=float, default=25.0, help="Telegram bulk sends/s")
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--no-kill", action="store_true", help="only the run without the kill")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    runs = [False] if args.no_kill else [False, True]
    for kill in runs:
        with tempfile.TemporaryDirectory(prefix="bench-delivery-", dir=ROOT / "var") as workdir:
            url = args.database or f"sqlite:///{Path(workdir) / 'bot.db'}"
            result = asyncio.run(run(args.n, args.budget, url, kill, args.seed))
        print(json.dumps(result), flush=True)
        if args.database:
            break  # a given database is not emptied between runs
    return 0


if __name__ == "__main__":
    sys.exit(main())
