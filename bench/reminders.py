"""Reminder benchmark: one event, many subscribers in seven languages and three time zones.

Imports the example events into a fresh SQLite file (or --database-url), subscribes
`--subscribers` people to one event (languages in turn, countries MM / TH / CN, so Yangon,
Bangkok and Shanghai), each with one reminder an hour before the start; moves the clock to
that moment and lets the real outbox worker send every reminder through the real Telegram
sender to the Telegram stand-in (tests/standins/telegram.py) at the bulk budget. Counts, per
subscriber, the reminders the stand-in received.

    .venv/bin/python bench/reminders.py [--subscribers 10000] [--rate 25] [--timeout 900]

Prints {"subscribers", "sent", "lost", "duplicated", "seconds", "rate_per_s", "budget_per_s"}:
seconds from the clock reaching the reminder time to the last reminder received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.event_admin import import_events  # noqa: E402
from actions.event_cards import EventsConfig  # noqa: E402
from actions.event_file import load  # noqa: E402
from actions.event_reminders import schedule  # noqa: E402
from bot.channels.telegram import TelegramSender, build_bulk_bot  # noqa: E402
from bot.core.i18n import LANGUAGES, Catalog  # noqa: E402
from bot.core.localtime import zone_for_country  # noqa: E402
from bot.storage import events  # noqa: E402
from bot.storage.database import Database  # noqa: E402
from bot.storage.models import User  # noqa: E402
from scheduler.delivery import DeliveryConfig, DeliveryWorker  # noqa: E402
from tests.standins.telegram import TelegramStandIn  # noqa: E402

EVENT = "yangon-tree-planting-2027"
COUNTRIES = ("MM", "TH", "CN")
FIRST_CHAT = 10_000_000


class MovableClock:
    """The system clock, shifted: time passes, from wherever the benchmark puts it."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


async def subscribe_all(
    db: Database, texts: Catalog, config: EventsConfig, count: int, now: datetime
) -> datetime:
    """count subscribers of EVENT with their reminder queued; the reminders' earliest due time."""
    async with db.session() as session:
        await import_events(session, texts, config, load(ROOT / "data" / "events.yml"), now)
    for start in range(0, count, 1000):
        async with db.session() as session:
            event = await events.get(session, EVENT)
            assert event is not None
            people = []
            for i in range(start, min(start + 1000, count)):
                country = COUNTRIES[i % len(COUNTRIES)]
                people.append(
                    User(
                        channel="telegram",
                        external_id=str(FIRST_CHAT + i),
                        chat_id=str(FIRST_CHAT + i),
                        language=LANGUAGES[i % len(LANGUAGES)],
                        country=country,
                        timezone=zone_for_country(country),
                        first_seen=now,
                        last_seen=now,
                    )
                )
            session.add_all(people)
            await session.flush()
            for user in people:
                await events.follow_event(session, user, event, now)
                await schedule(session, texts, config, event, user, now)
    async with db.session() as session:
        due = [row.due_at for row in await events.pending_reminders(session, EVENT)]
    return min(events.aware(moment) for moment in due)


async def run(
    subscribers: int, rate: float, timeout: float, database_url: str | None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        await db.migrate()
        texts = Catalog.load()
        config = EventsConfig(offsets_minutes=(60,))
        clock = MovableClock()
        clock.move_to(datetime(2027, 7, 1, tzinfo=UTC))
        due = await subscribe_all(db, texts, config, subscribers, clock.now())
        async with TelegramStandIn() as telegram:
            bot = build_bulk_bot(telegram.token, base_url=telegram.base_url)
            await bot.initialize()
            worker = DeliveryWorker(
                db,
                {"telegram": TelegramSender(bot)},
                clock,
                DeliveryConfig(budgets={"telegram": rate}, tick_seconds=1.0),
            )
            await worker.start()
            clock.move_to(due)
            started = time.monotonic()
            last = started
            try:
                while time.monotonic() - started < timeout:
                    received = len(telegram.sent)
                    if received >= subscribers:
                        last = time.monotonic()
                        break
                    await asyncio.sleep(0.05)
                    if len(telegram.sent) != received:
                        last = time.monotonic()
                await asyncio.sleep(1.0)  # anything sent twice arrives now
            finally:
                await worker.stop()
                await bot.shutdown()
            per_chat = Counter(str(message["chat_id"]) for message in telegram.sent)
        await db.dispose()
    expected = {str(FIRST_CHAT + i) for i in range(subscribers)}
    seconds = max(last - started, 1e-9)
    return {
        "subscribers": subscribers,
        "sent": sum(per_chat[chat] for chat in expected),
        "lost": sum(1 for chat in expected if per_chat[chat] == 0),
        "duplicated": sum(1 for chat in expected if per_chat[chat] > 1),
        "seconds": round(seconds, 1),
        "rate_per_s": round(len(telegram.sent) / seconds, 1),
        "budget_per_s": rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="Telegram bulk budget, sends/s")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    result = asyncio.run(run(args.subscribers, args.rate, args.timeout, args.database_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
