"""Broadcast benchmark: N recipients (seven languages, Telegram and LINE) through the stand-ins.

Starts the stand-in Telegram and LINE APIs and a scripted Rasa stand-in in this process, fills
a fresh database with N people, starts the bot as its own process (`python -m bot run`) and
queues one broadcast to everyone with `python -m bot broadcast send --yes`. While it goes out,
simulated users keep writing to the bot through the Telegram webhook. With `--kill-at F`, the
bot is killed with SIGKILL once a fraction F of the recipients got the message, and started
again. Receipts are counted at the stand-ins. Prints one JSON line:

    recipients, sent (people who got it), lost (got nothing and their row is not `unknown`),
    duplicated (got it more than once), unknown (rows whose send was interrupted), seconds,
    rate_per_s (Telegram sends a second), budget_per_s (the Telegram bulk budget),
    reply_p99_ms (webhook POST → the reply at the stand-in, while the broadcast runs)

    .venv/bin/python bench/broadcast.py [--recipients 10000] [--kill-at 0.5] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import wait_healthy  # noqa: E402
from bot.core.i18n import LANGUAGES  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.models import Delivery, User  # noqa: E402
from nlu.server import free_port  # noqa: E402
from tests.standins.line import LineStandIn, user_id_for  # noqa: E402
from tests.standins.rasa import RasaStandIn  # noqa: E402
from tests.standins.telegram import TelegramStandIn  # noqa: E402

SECRET = "bench-secret"
MARK = "📣 LMEC bench"
TELEGRAM_BUDGET = 25.0
WRITER_BASE = 9_000_000  # chat ids of the simulated users who keep writing


def message_file(directory: Path) -> Path:
    texts = {
        lang: f"{MARK} [{lang}] The youth forum is open for registration." for lang in LANGUAGES
    }
    path = directory / "message.json"
    path.write_text(json.dumps({"text": texts, "fallback": "en"}, ensure_ascii=False))
    return path


def recipients(n: int) -> list[tuple[str, str, str]]:
    """(channel, chat id, language) of n people: both channels, seven languages."""
    people = []
    for i in range(n):
        lang = LANGUAGES[(i // 2) % len(LANGUAGES)]
        if i % 2 == 0:
            people.append(("telegram", str(100_000 + i), lang))
        else:
            people.append(("line", user_id_for(f"reader-{i}"), lang))
    return people


async def fill(database_url: str, people: list[tuple[str, str, str]]) -> None:
    db = Database(database_url)
    await db.migrate()
    rows = [
        {"channel": ch, "external_id": chat, "chat_id": chat, "language": lang, "blocked": False}
        for ch, chat, lang in people
    ]
    async with db.session() as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(User), rows[start : start + 1000])
    await db.dispose()


async def statuses(database_url: str) -> dict[tuple[str, str], str]:
    """(channel, chat id) → status of its broadcast delivery."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            rows = await session.execute(
                select(Delivery.channel, Delivery.chat_id, Delivery.status).where(
                    Delivery.kind == "broadcast"
                )
            )
            return {(ch, chat): status for ch, chat, status in rows.all()}
    finally:
        await db.dispose()


async def unsent(database_url: str) -> int:
    """Broadcast deliveries still pending or being sent."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            query = select(func.count()).where(
                Delivery.kind == "broadcast", Delivery.status.in_(("pending", "sending"))
            )
            return int((await session.execute(query)).scalar_one())
    finally:
        await db.dispose()


def start_bot(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env)


async def run(
    n: int, kill_at: float | None, database_url: str | None, writers: int
) -> dict[str, Any]:
    people = recipients(n)
    workdir = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    database_url = database_url or f"sqlite:///{workdir / 'bot.db'}"
    await fill(database_url, people)
    async with (
        TelegramStandIn() as telegram,
        LineStandIn() as line,
        RasaStandIn({"hello": "greet"}) as rasa,
    ):
        port = free_port()
        env = dict(
            os.environ,
            RASA_URL=rasa.url,
            TELEGRAM_TOKEN=telegram.token,
            TELEGRAM_BASE_URL=telegram.base_url,
            TELEGRAM_SECRET_TOKEN=SECRET,
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
            TELEGRAM_BULK_RATE=str(TELEGRAM_BUDGET),
            LINE_CHANNEL_SECRET=line.channel_secret,
            LINE_CHANNEL_ACCESS_TOKEN=line.channel_access_token,
            LINE_API_HOST=line.host,
            DATABASE_URL=database_url,
            PORT=str(port),
            HOST="127.0.0.1",
            LOG_LEVEL="WARNING",
            DELIVERY_LEASE_SECONDS="3",
            SHUTDOWN_GRACE_SECONDS="2",
        )
        url = f"http://127.0.0.1:{port}"
        bot = start_bot(env)
        telegram_people = {chat for ch, chat, _ in people if ch == "telegram"}
        line_people = {chat for ch, chat, _ in people if ch == "line"}
        telegram_times: list[float] = []
        latencies: list[float] = []
        inboxes: dict[str, asyncio.Queue[float]] = {}
        finished = asyncio.Event()
        killed = False
        try:
            await wait_healthy(url)
            send = subprocess.run(
                [sys.executable, "-m", "bot", "broadcast", "send", "--message",
                 str(message_file(workdir)), "--audience", "all", "--yes"],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            began = time.monotonic()
            print(send.stdout.strip().splitlines()[-2], file=sys.stderr)

            def received() -> int:
                tg = len(telegram_times)
                ln = sum(1 for user, m in line.deliveries if m.get("text", "").startswith(MARK))
                return tg + ln

            async def watch_telegram() -> None:
                """Time each broadcast message the Telegram stand-in gets; replies to inboxes."""
                read = 0
                while not finished.is_set():
                    while read < len(telegram.sent):
                        item = telegram.sent[read]
                        chat = str(item["chat_id"])
                        if chat in telegram_people and str(item.get("text", "")).startswith(MARK):
                            telegram_times.append(time.monotonic())
                        elif chat in inboxes:
                            inboxes[chat].put_nowait(time.perf_counter())
                        read += 1
                    await telegram.sent_more(timeout=0.2)

            async def writer(chat_id: int, http: httpx.AsyncClient) -> None:
                """A person writing to the bot while the broadcast goes out."""
                inbox = inboxes.setdefault(str(chat_id), asyncio.Queue())
                while not finished.is_set():
                    while not inbox.empty():
                        inbox.get_nowait()
                    update = telegram.text_update(chat_id, "hello")
                    started = time.perf_counter()
                    try:
                        response = await http.post(
                            "/telegram/webhook",
                            json=update,
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                        )
                        response.raise_for_status()
                        arrived = await asyncio.wait_for(inbox.get(), timeout=30)
                        latencies.append((arrived - started) * 1000)
                    except (httpx.HTTPError, TimeoutError):
                        await asyncio.sleep(0.5)  # the bot is down (killed): try again
                        continue
                    await asyncio.sleep(0.3)

            async def supervise() -> None:
                nonlocal bot, killed
                while True:
                    if kill_at is not None and not killed and received() >= kill_at * n:
                        os.kill(bot.pid, signal.SIGKILL)
                        bot.wait()
                        killed = True
                        print(f"killed at {received()} received; restarting", file=sys.stderr)
                        bot = start_bot(env)
                        await wait_healthy(url)
                    if not await unsent(database_url):
                        finished.set()
                        return
                    await asyncio.sleep(1.0)

            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                tasks = [asyncio.create_task(watch_telegram())]
                tasks += [
                    asyncio.create_task(writer(WRITER_BASE + i, http)) for i in range(writers)
                ]
                await supervise()
                seconds = time.monotonic() - began
                await asyncio.sleep(0.5)
                finished.set()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot.kill()
        got: Counter[tuple[str, str]] = Counter()
        for item in telegram.sent:
            chat = str(item["chat_id"])
            if chat in telegram_people and str(item.get("text", "")).startswith(MARK):
                got[("telegram", chat)] += 1
        for user, message in line.deliveries:
            if user in line_people and str(message.get("text", "")).startswith(MARK):
                got[("line", user)] += 1
        rows = await statuses(database_url)
    everyone = [(ch, chat) for ch, chat, _ in people]
    unknown = sum(1 for status in rows.values() if status == "unknown")
    lost = sum(1 for who in everyone if got[who] == 0 and rows.get(who) != "unknown")
    span = telegram_times[-1] - telegram_times[0] if len(telegram_times) > 1 else 0.0
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "recipients": n,
        "sent": sum(1 for who in everyone if got[who] > 0),
        "lost": lost,
        "duplicated": sum(1 for who in everyone if got[who] > 1),
        "unknown": unknown,
        "seconds": round(seconds, 1),
        "rate_per_s": round((len(telegram_times) - 1) / span, 2) if span else 0.0,
        "budget_per_s": TELEGRAM_BUDGET,
        "reply_p99_ms": round(quantiles[98], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, help="SIGKILL the bot at this fraction sent")
    parser.add_argument("--database", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--writers", type=int, default=5, help="simulated users writing")
    args = parser.parse_args()
    result = asyncio.run(run(args.recipients, args.kill_at, args.database, args.writers))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
