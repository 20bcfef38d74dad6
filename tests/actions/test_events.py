"""Events through the dispatcher and the outbox: listing, subscribing, reminders at the right
instants in each person's zone, changes and cancellations, quiet hours, restarts, .ics files.

Rasa is the scripted stand-in (with entities), time a FakeClock, the database SQLite and
PostgreSQL; reminders are sent by the real outbox worker to a recording sender.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
from sqlalchemy import select

from actions.base import StaffDesk
from actions.event_admin import cancel_event, import_events, listing
from actions.event_cards import EventsConfig
from actions.event_file import EventFileError, EventSpec, load, parse
from actions.knowledge import Knowledge
from bot.app import App
from bot.core.event_payloads import AddToCalendar, ChangeCountry, RemindMe, StopFollowing
from bot.core.i18n import Catalog
from bot.core.messages import Attachment, Incoming, Kind, Reply
from bot.core.payloads import FlowStep, Language, unpack
from bot.core.ports import Recipient
from bot.core.settings import ROOT, Settings
from bot.dispatcher import Dispatcher, Outcome
from bot.server import build_web_app
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.events import aware
from bot.storage.models import Delivery
from nlu.client import NluClient
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from scheduler.event_sweeper import EventSweeper
from tests.clock import FakeClock
from tests.standins.rasa import RasaStandIn
from tests.standins.server import StandInServer

INTENTS = {
    "what's coming up": "list_events",
    "ဘာပွဲတွေ ရှိလဲ": "list_events",
    "มีกิจกรรมอะไรบ้าง": "list_events",
    "youth events": "list_events",
    "remind me": "subscribe_reminders",
    "stop reminders": "unsubscribe_reminders",
}
ENTITIES = {
    "volunteer": {"event_category": "volunteer"},
    "youth": {"event_category": "youth"},
    "laos": {"country": "LA"},
    "next month": {"time_range": "next_month"},
    "ลาว": {"country": "ລາວ"},  # a raw span outside the contract: dropped
}
TREES = "yangon-tree-planting-2027"  # 2027-07-10 08:00 Asia/Yangon = 01:30 UTC
SECRET = "test-calendar-secret"


@pytest.fixture
async def scripted_nlu() -> AsyncIterator[NluClient]:
    async with RasaStandIn(INTENTS, ENTITIES) as rasa:
        client = NluClient(rasa.url)
        yield client
        await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 3, 0, tzinfo=UTC))


@pytest.fixture
def settings() -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        public_url="https://bot.example.org",
        calendar_secret=SECRET,
    )


@pytest.fixture
def config(settings: Settings) -> EventsConfig:
    return EventsConfig.from_settings(settings)


@pytest.fixture
def specs() -> list[EventSpec]:
    return load(ROOT / "data" / "events.yml")


@pytest.fixture
async def bot(
    db: Database,
    scripted_nlu: NluClient,
    texts: Catalog,
    knowledge: Knowledge,
    clock: FakeClock,
    settings: Settings,
    config: EventsConfig,
    specs: list[EventSpec],
) -> Dispatcher:
    async with db.session() as session:
        await import_events(session, texts, config, specs, clock.now())
    return Dispatcher(db, scripted_nlu, texts, knowledge, clock, settings=settings)


def say(user: str, text: str) -> Incoming:
    return Incoming("telegram", user, user, Kind.TEXT, text=text)


def press(user: str, data: str) -> Incoming:
    return Incoming("telegram", user, user, Kind.BUTTON, data=data)


async def subscribe(bot: Dispatcher, user: str, event_id: str, country: str | None) -> Outcome:
    """Press Remind me; answer the country question when it comes."""
    outcome = await bot.handle(press(user, RemindMe(event_id).pack()))
    if country is not None:
        steps = [unpack(b.data) for b in outcome.replies[-1].buttons]
        choice = next(s for s in steps if isinstance(s, FlowStep) and s.value == country)
        outcome = await bot.handle(press(user, choice.pack()))
    return outcome


async def rows(db: Database, kind: str, status: str | None = None) -> list[Delivery]:
    async with db.session() as session:
        query = select(Delivery).where(Delivery.kind == kind).order_by(Delivery.due_at, Delivery.id)
        if status is not None:
            query = query.where(Delivery.status == status)
        return list((await session.scalars(query)).all())


def text_of(row: Delivery) -> str:
    return Reply.from_json(row.content[0]).text


async def an_event(
    db: Database,
    texts: Catalog,
    config: EventsConfig,
    like: EventSpec,
    event_id: str,
    starts: datetime,
    ends: datetime,
    timezone: str | None = None,
) -> EventSpec:
    """An event like `like`, at other local times (in another zone), imported; its spec."""
    spec = dataclasses.replace(
        like,
        id=event_id,
        timezone=timezone or like.timezone,
        starts_local=starts,
        ends_local=ends,
    )
    async with db.session() as session:
        await import_events(session, texts, config, [spec], datetime(2027, 3, 1, 3, 0, tzinfo=UTC))
    return spec


class RecordingSender:
    """A channel that records what it sends, and when (by the fake clock)."""

    max_recipients = 1

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[tuple[str, str, datetime]] = []

    async def send(self, to: Recipient, replies: list[Reply], *, retry_key: str) -> list[str]:
        self.sent.append((to.chat_id, replies[0].text, self.clock.now()))
        return [str(len(self.sent))]

    async def send_many(self, chat_ids: list[str], replies: list[Reply], *, retry_key: str) -> None:
        raise AssertionError("not a multicast channel")

    @property
    def reminders(self) -> list[tuple[str, str, datetime]]:
        """What was sent but the replies to messages (queued by the dispatcher)."""
        return [item for item in self.sent if item[1].startswith("🔔")]


async def run_until(
    worker: DeliveryWorker, sender: RecordingSender, count: int, seconds: float = 20.0
) -> None:
    await worker.tick()
    for _ in range(int(seconds / 0.02)):
        if len(sender.reminders) >= count:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # nothing more comes


# --- listing ------------------------------------------------------------------------------
async def test_whats_coming_up_lists_five_cards_then_more(bot: Dispatcher) -> None:
    outcome = await bot.handle(say("ana", "what's coming up?"))
    cards = [r for r in outcome.replies if r.text.startswith("📅")]
    assert len(cards) == 5
    assert "Youth Climate Leadership Workshop" in cards[0].text
    assert "Sunday 14 March 2027, 9:00 AM–5:00 PM" in cards[0].text  # Vientiane = Bangkok
    payloads = [type(unpack(b.data)).__name__ for b in cards[0].buttons]
    assert payloads == ["RemindMe", "AddToCalendar", "EventDetails"]
    more = outcome.replies[-1].buttons[0]
    rest = await bot.handle(press("ana", more.data))
    assert len([r for r in rest.replies if r.text.startswith("📅")]) == 1


async def test_category_country_and_time_words_narrow_the_list(bot: Dispatcher) -> None:
    outcome = await bot.handle(say("ana", "youth events in laos"))
    titles = [r.text.split("\n")[0] for r in outcome.replies if r.text.startswith("📅")]
    assert titles == ["📅 Youth Climate Leadership Workshop"]
    outcome = await bot.handle(say("ana", "what's coming up next month"))
    titles = [r.text.split("\n")[0] for r in outcome.replies if r.text.startswith("📅")]
    assert titles == ["📅 Capacity Building Training for Environmental Officials"]


async def test_a_thai_person_reads_buddhist_era_dates_in_thai(bot: Dispatcher) -> None:
    outcome = await bot.handle(say("som", "มีกิจกรรมอะไรบ้าง"))
    assert outcome.lang == "th"
    cards = [r for r in outcome.replies if r.text.startswith("📅")]
    assert "วันอาทิตย์ที่ 14 มีนาคม 2570, 09:00 น." in cards[0].text


async def test_people_of_no_known_country_read_times_in_the_default_zone(
    db: Database,
    scripted_nlu: NluClient,
    texts: Catalog,
    knowledge: Knowledge,
    clock: FakeClock,
    settings: Settings,
    bot: Dispatcher,
) -> None:
    in_shanghai = settings.model_copy(update={"default_timezone": "Asia/Shanghai"})
    shanghai_bot = Dispatcher(db, scripted_nlu, texts, knowledge, clock, settings=in_shanghai)
    for dispatcher, user, hour in ((bot, "som", "09:00 น."), (shanghai_bot, "lek", "10:00 น.")):
        outcome = await dispatcher.handle(say(user, "มีกิจกรรมอะไรบ้าง"))
        cards = [r for r in outcome.replies if r.text.startswith("📅")]
        assert f"วันอาทิตย์ที่ 14 มีนาคม 2570, {hour}" in cards[0].text


# --- reminders in two zones ---------------------------------------------------------------
async def test_a_myanmar_and_a_thai_subscriber_are_reminded_at_the_right_instants(
    bot: Dispatcher, db: Database, clock: FakeClock
) -> None:
    await bot.handle(say("mya", "ဘာပွဲတွေ ရှိလဲ"))
    done = await subscribe(bot, "mya", TREES, "MM")
    assert done.lang == "my" and "သတိပေးပါမယ်" in done.replies[0].text
    await bot.handle(say("som", "มีกิจกรรมอะไรบ้าง"))
    await subscribe(bot, "som", TREES, "TH")

    pending = await rows(db, "reminder", outbox.PENDING)
    day_before = datetime(2027, 7, 9, 1, 30, tzinfo=UTC)
    hour_before = datetime(2027, 7, 10, 0, 30, tzinfo=UTC)
    assert sorted((r.chat_id, aware(r.due_at)) for r in pending) == [
        ("mya", day_before),
        ("mya", hour_before),
        ("som", day_before),
        ("som", hour_before),
    ]
    burmese = next(text_of(r) for r in pending if r.chat_id == "mya")
    thai = next(text_of(r) for r in pending if r.chat_id == "som")
    assert "၀၈:၀၀" in burmese  # 08:00 in Yangon, in Myanmar digits
    assert "08:30 น." in thai  # the same instant in Bangkok, half an hour later
    assert "2570" in thai

    sender = RecordingSender(clock)
    config = DeliveryConfig(budgets={"telegram": 1000.0}, tick_seconds=3600)
    worker = DeliveryWorker(db, {"telegram": sender}, clock, config)
    await worker.start()
    try:
        clock.moment = day_before - timedelta(minutes=1)
        await run_until(worker, sender, 1, seconds=0.3)
        assert sender.reminders == []
        clock.moment = day_before
        await run_until(worker, sender, 2)
        clock.moment = hour_before + timedelta(seconds=30)
        await run_until(worker, sender, 4)
    finally:
        await worker.stop()
    assert sorted((chat, at) for chat, _, at in sender.reminders) == [
        ("mya", day_before),
        ("mya", hour_before + timedelta(seconds=30)),
        ("som", day_before),
        ("som", hour_before + timedelta(seconds=30)),
    ]


async def test_a_change_of_start_time_moves_every_reminder_and_notifies_once(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    for user, country in (("ana", "TH"), ("ben", "MM")):
        await bot.handle(say(user, "what's coming up"))
        await subscribe(bot, user, TREES, country)
    trees = next(s for s in specs if s.id == TREES)
    later = dataclasses.replace(trees, starts_local=trees.starts_local + timedelta(hours=1))
    for _ in range(2):  # the second import changes nothing and tells no one again
        async with db.session() as session:
            await import_events(session, texts, config, [later], clock.now())

    assert len(await rows(db, "reminder", outbox.CANCELLED)) == 4
    pending = await rows(db, "reminder", outbox.PENDING)
    assert {aware(r.due_at) for r in pending} == {
        datetime(2027, 7, 9, 2, 30, tzinfo=UTC),
        datetime(2027, 7, 10, 1, 30, tzinfo=UTC),
    }
    assert all(r.dedupe_key and ":v2:" in r.dedupe_key for r in pending)
    notices = await rows(db, "notice")
    assert len(notices) == 2
    by_chat = {r.chat_id: text_of(r) for r in notices}
    assert "8:30 AM → 9:30 AM" in by_chat["ana"]  # Bangkok
    assert "8:00 AM → 9:00 AM" in by_chat["ben"]  # Yangon


async def test_a_place_change_is_told_to_those_who_read_it_changed(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    for user in ("ana", "ben"):  # both read English
        await bot.handle(say(user, "what's coming up"))
        await subscribe(bot, user, TREES, "TH")
    trees = next(s for s in specs if s.id == TREES)
    burmese_only = dataclasses.replace(trees, place={**trees.place, "my": "ရန်ကုန် ပန်းခြံ"})
    async with db.session() as session:
        await import_events(session, texts, config, [burmese_only], clock.now())
    assert await rows(db, "notice") == []  # their English place did not change
    moved = dataclasses.replace(burmese_only, place={**burmese_only.place, "en": "Hlawga Park"})
    async with db.session() as session:
        await import_events(session, texts, config, [moved], clock.now())
    notices = await rows(db, "notice")
    assert len(notices) == 2
    assert all(f"📍 {trees.place['en']} → Hlawga Park" in text_of(r) for r in notices)


async def test_a_cancellation_withdraws_the_reminders_and_tells_the_subscribers(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog, config: EventsConfig
) -> None:
    for user in ("ana", "ben"):
        await bot.handle(say(user, "what's coming up"))
        await subscribe(bot, user, TREES, "VN")
    async with db.session() as session:
        told = await cancel_event(session, texts, config, TREES, "flooding", clock.now())
    assert told == 2
    assert await rows(db, "reminder", outbox.PENDING) == []
    assert len(await rows(db, "reminder", outbox.CANCELLED)) == 4
    notices = await rows(db, "notice")
    assert len(notices) == 2 and all("has been cancelled" in text_of(r) for r in notices)
    assert all("flooding" in text_of(r) for r in notices)
    again = await bot.handle(press("carla", RemindMe(TREES).pack()))
    steps = [unpack(b.data) for b in again.replies[-1].buttons]
    choice = next(s for s in steps if isinstance(s, FlowStep) and s.value == "TH")
    polite = await bot.handle(press("carla", choice.pack()))
    assert "has been cancelled" in polite.replies[0].text
    assert await rows(db, "reminder", outbox.PENDING) == []


async def test_a_past_event_gets_a_polite_answer(bot: Dispatcher, clock: FakeClock) -> None:
    await bot.handle(say("ana", "what's coming up"))
    clock.moment = datetime(2027, 8, 1, tzinfo=UTC)
    outcome = await subscribe(bot, "ana", TREES, "TH")
    assert "already started or is over" in outcome.replies[0].text


async def test_a_restart_between_subscription_and_reminder_loses_nothing(
    bot: Dispatcher, db: Database, clock: FakeClock
) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    url = db.url
    await db.dispose()  # the bot stops; a new process opens the same database
    again = Database(url)
    try:
        clock.moment = datetime(2027, 7, 10, 1, 0, tzinfo=UTC)  # both reminders due by now
        sweeper = EventSweeper(again, clock)
        assert await sweeper.sweep() == 0
        sender = RecordingSender(clock)
        config = DeliveryConfig(budgets={"telegram": 1000.0}, tick_seconds=3600)
        worker = DeliveryWorker(again, {"telegram": sender}, clock, config)
        await worker.start()
        try:
            await run_until(worker, sender, 2)
        finally:
            await worker.stop()
        assert [chat for chat, _, _ in sender.reminders] == ["ana", "ana"]
    finally:
        await again.dispose()


async def test_reminders_of_a_started_event_are_withdrawn_not_sent(
    bot: Dispatcher, db: Database, clock: FakeClock
) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    clock.moment = datetime(2027, 7, 10, 2, 0, tzinfo=UTC)  # down until after the start
    assert await EventSweeper(db, clock).sweep() == 2
    assert await rows(db, "reminder", outbox.PENDING) == []


async def test_a_reminder_due_in_the_night_comes_at_the_nearer_edge(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    early = await an_event(
        db,
        texts,
        config,
        specs[0],
        "sunrise-birdwatch-2027",
        datetime(2027, 3, 15, 3, 0),
        datetime(2027, 3, 15, 6, 0),
        "Asia/Bangkok",
    )
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", early.id, "TH")
    pending = await rows(db, "reminder", outbox.PENDING)
    # A day before is 03:00 local: 07:00 is nearer than 22:00. An hour before is 02:00: the
    # nearer edge (07:00) is after the start, so 22:00 the evening before.
    assert [aware(r.due_at) for r in pending] == [
        datetime(2027, 3, 14, 0, 0, tzinfo=UTC),
        datetime(2027, 3, 14, 15, 0, tzinfo=UTC),
    ]


async def change_country(bot: Dispatcher, user: str, country: str) -> Outcome:
    """/reminders → Change my country → a country."""
    asked = await bot.handle(press(user, ChangeCountry().pack()))
    steps = [unpack(b.data) for b in asked.replies[-1].buttons]
    choice = next(s for s in steps if isinstance(s, FlowStep) and s.value == country)
    return await bot.handle(press(user, choice.pack()))


async def test_pending_reminders_follow_a_move_from_thailand_to_myanmar(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    # 06:50 in Yangon is 07:20 in Bangkok: each reminder falls in the quiet hours of one zone
    # and not the other.
    trees = next(s for s in specs if s.id == TREES)  # in Yangon
    dawn = await an_event(
        db,
        texts,
        config,
        trees,
        "dawn-birdwatch-2027",
        datetime(2027, 3, 20, 6, 50),
        datetime(2027, 3, 20, 9, 0),
    )
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", dawn.id, "TH")
    await subscribe(bot, "ana", TREES, None)

    def reminders(pending: list[Delivery]) -> list[tuple[str | None, datetime]]:
        return [(r.ref, aware(r.due_at)) for r in pending]

    in_bangkok = [
        # A day before, 07:20 in Bangkok; an hour before, 06:20: at the morning edge, 07:00.
        (dawn.id, datetime(2027, 3, 19, 0, 20, tzinfo=UTC)),
        (dawn.id, datetime(2027, 3, 20, 0, 0, tzinfo=UTC)),
        (TREES, datetime(2027, 7, 9, 1, 30, tzinfo=UTC)),
        (TREES, datetime(2027, 7, 10, 0, 30, tzinfo=UTC)),
    ]
    before = await rows(db, "reminder", outbox.PENDING)
    assert reminders(before) == in_bangkok
    assert "7:20 AM" in text_of(before[0]) and "8:30 AM" in text_of(before[2])

    done = await change_country(bot, "ana", "MM")
    assert done.replies[0].text.startswith("Got it: Myanmar.")
    after = await rows(db, "reminder", outbox.PENDING)
    assert reminders(after) == [
        # A day before is 06:50 in Yangon: the morning edge, 07:00 Yangon time. An hour
        # before is 05:50: 07:00 would be after the start, so 22:00 the evening before.
        (dawn.id, datetime(2027, 3, 19, 0, 30, tzinfo=UTC)),
        (dawn.id, datetime(2027, 3, 19, 15, 30, tzinfo=UTC)),
        (TREES, datetime(2027, 7, 9, 1, 30, tzinfo=UTC)),  # daytime in both: same instants
        (TREES, datetime(2027, 7, 10, 0, 30, tzinfo=UTC)),
    ]
    assert [r.id for r in after] == [r.id for r in before]  # the same rows, rewritten
    for row in after:
        assert "7:20 AM" not in text_of(row) and "8:30 AM" not in text_of(row)
    assert "6:50 AM" in text_of(after[0]) and "8:00 AM" in text_of(after[2])  # Yangon time
    assert await rows(db, "reminder", outbox.CANCELLED) == []

    await change_country(bot, "ana", "TH")  # and back
    assert reminders(await rows(db, "reminder", outbox.PENDING)) == in_bangkok


async def test_a_move_leaves_a_due_reminder_at_its_instant_and_withdraws_a_night_one(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    # 07:00 in Bangkok (06:30 in Yangon): the hour-before reminder is at 06:00 in Bangkok,
    # the quiet hours' edge 07:00 is the start, so 22:00 the evening before in both zones.
    early = await an_event(
        db,
        texts,
        config,
        specs[0],
        "sunrise-run-2027",
        datetime(2027, 3, 20, 7, 0),
        datetime(2027, 3, 20, 9, 0),
        "Asia/Bangkok",
    )
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", early.id, "TH")
    pending = await rows(db, "reminder", outbox.PENDING)
    assert [aware(r.due_at) for r in pending] == [
        datetime(2027, 3, 19, 0, 0, tzinfo=UTC),  # 07:00 the day before, Bangkok
        datetime(2027, 3, 19, 15, 0, tzinfo=UTC),  # 22:00 the evening before, Bangkok
    ]
    # Now is the day-before reminder's instant (not sent yet); 22:00 in Bangkok is 21:30 in
    # Yangon, so the evening one moves half an hour earlier.
    clock.moment = datetime(2027, 3, 19, 0, 0, tzinfo=UTC)
    await change_country(bot, "ana", "MM")
    after = await rows(db, "reminder", outbox.PENDING)
    assert [aware(r.due_at) for r in after] == [
        datetime(2027, 3, 19, 0, 0, tzinfo=UTC),  # already due: it stays
        datetime(2027, 3, 19, 15, 30, tzinfo=UTC),  # 22:00 the evening before, Yangon
    ]
    assert "6:30 AM" in text_of(after[0])  # but reads in Yangon time
    # At 21:40 in Yangon (22:10 in Bangkok) she moves back: in Bangkok 22:00 has passed and
    # 07:00 is the start, so the hour-before reminder has no time left: it is withdrawn.
    clock.moment = datetime(2027, 3, 19, 15, 10, tzinfo=UTC)
    await change_country(bot, "ana", "TH")
    assert [aware(r.due_at) for r in await rows(db, "reminder", outbox.PENDING)] == [
        datetime(2027, 3, 19, 0, 0, tzinfo=UTC)
    ]
    withdrawn = await rows(db, "reminder", outbox.CANCELLED)
    assert [(aware(r.due_at), r.error) for r in withdrawn] == [
        (datetime(2027, 3, 19, 15, 30, tzinfo=UTC), "no time left in the new zone")
    ]


async def test_pending_reminders_follow_the_language_written_in_and_the_one_chosen(
    bot: Dispatcher, db: Database, texts: Catalog
) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    before = await rows(db, "reminder", outbox.PENDING)

    def written_in(lang: str) -> list[str]:
        return [texts.get(lang, "events.reminder_day"), texts.get(lang, "events.reminder_soon")]

    def heads(pending: list[Delivery]) -> list[str]:
        return [text_of(row).split("\n\n")[0] for row in pending]

    assert heads(before) == written_in("en")
    # She writes in Thai (the language was detected, not chosen): the reminders follow.
    assert (await bot.handle(say("ana", "มีกิจกรรมอะไรบ้าง"))).lang == "th"
    thai = await rows(db, "reminder", outbox.PENDING)
    assert heads(thai) == written_in("th")
    assert [r.due_at for r in thai] == [r.due_at for r in before]  # at the same instants
    # She chooses Burmese: they follow; writing Thai again no longer changes them.
    await bot.handle(press("ana", Language("my").pack()))
    assert heads(await rows(db, "reminder", outbox.PENDING)) == written_in("my")
    await bot.handle(say("ana", "มีกิจกรรมอะไรบ้าง"))
    burmese = await rows(db, "reminder", outbox.PENDING)
    assert heads(burmese) == written_in("my")
    assert any("၀" <= ch <= "၉" for ch in text_of(burmese[0]))  # its times in Burmese digits


async def test_blocked_people_get_no_reminders(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    async with db.session() as session:
        await outbox.block_recipients(session, "telegram", ["ana"])
    trees = next(s for s in specs if s.id == TREES)
    later = dataclasses.replace(trees, starts_local=trees.starts_local + timedelta(hours=2))
    async with db.session() as session:
        await import_events(session, texts, config, [later], clock.now())
    assert await rows(db, "reminder", outbox.PENDING) == []
    assert await rows(db, "notice") == []


# --- categories, following, unfollowing ---------------------------------------------------
async def test_following_a_category_reminds_of_each_and_announces_new_ones_once(
    bot: Dispatcher,
    db: Database,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
    specs: list[EventSpec],
) -> None:
    asked = await bot.handle(say("ana", "remind me of all volunteer activities"))
    steps = [unpack(b.data) for b in asked.replies[-1].buttons]
    choice = next(s for s in steps if isinstance(s, FlowStep) and s.value == "other")
    done = await bot.handle(press("ana", choice.pack()))
    assert "new volunteer activities" in done.replies[0].text
    assert {r.ref for r in await rows(db, "reminder")} == {
        "mekong-riverbank-cleanup-2027",
        TREES,
    }
    new = dataclasses.replace(
        next(s for s in specs if s.id == TREES),
        id="hanoi-lake-cleanup-2027",
        timezone="Asia/Ho_Chi_Minh",
    )
    for _ in range(2):
        async with db.session() as session:
            await import_events(session, texts, config, [new], clock.now())
    announcements = await rows(db, "announcement")
    assert len(announcements) == 1 and "A new event you might like" in text_of(announcements[0])
    assert len([r for r in await rows(db, "reminder") if r.ref == new.id]) == 2


async def test_stopping_a_subscription_withdraws_its_reminders(
    bot: Dispatcher, db: Database
) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    listed = await bot.handle(press("ana", "intent:my_reminders"))
    assert "Rainy Season Tree Planting in Yangon" in listed.replies[0].text
    offered = await bot.handle(say("ana", "stop reminders please"))
    stop = next(b for b in offered.replies[0].buttons if isinstance(unpack(b.data), StopFollowing))
    stopped = await bot.handle(press("ana", stop.data))
    assert "won't get those reminders" in stopped.replies[0].text
    assert await rows(db, "reminder", outbox.PENDING) == []
    again = await bot.handle(press("ana", stop.data))
    assert "no longer following" in again.replies[0].text
    # Changed her mind: the same two reminders are due again, once each.
    await subscribe(bot, "ana", TREES, None)
    pending = await rows(db, "reminder", outbox.PENDING)
    assert len(pending) == 2 and len(await rows(db, "reminder")) == 2


# --- calendar -----------------------------------------------------------------------------
async def test_add_to_calendar_links_an_ics_file_served_at_an_unguessable_url(
    bot: Dispatcher,
    db: Database,
    settings: Settings,
    clock: FakeClock,
    texts: Catalog,
    config: EventsConfig,
) -> None:
    outcome = await bot.handle(press("ana", AddToCalendar(TREES).pack()))
    url = outcome.replies[0].document_url
    assert url is not None and url.startswith("https://bot.example.org/ics/")
    path = url.removeprefix("https://bot.example.org")
    app = cast(App, SimpleNamespace(settings=settings, db=db, telegram=None, line=None))
    async with (
        StandInServer(build_web_app(app)) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        got = await client.get(path)
        assert got.status_code == 200
        assert got.headers["content-type"].startswith("text/calendar")
        body = got.text
        assert f"UID:{TREES}@" in body and "SEQUENCE:1" in body
        assert "DTSTART;TZID=Asia/Yangon:20270710T080000" in body
        assert "METHOD:PUBLISH" in body
        forged = path.replace(path[-10:-4], "000000")
        assert (await client.get(forged)).status_code == 404
        async with db.session() as session:
            await cancel_event(session, texts, config, TREES, None, clock.now())
        body = (await client.get(path)).text
        assert "METHOD:CANCEL" in body and "SEQUENCE:2" in body


async def test_staff_list_and_cancel_events_in_chat(
    db: Database,
    scripted_nlu: NluClient,
    texts: Catalog,
    knowledge: Knowledge,
    clock: FakeClock,
    settings: Settings,
    bot: Dispatcher,
) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    staff = StaffDesk("telegram", "-100900", frozenset({"telegram:7"}))
    desk = Dispatcher(db, scripted_nlu, texts, knowledge, clock, staff=staff, settings=settings)
    listed = await desk.handle(say("7", "/events"))
    assert f"{TREES}  2027-07-10T08:00 Asia/Yangon  volunteer  scheduled v1  1 subscribers" in (
        listed.replies[0].text
    )
    refused = await desk.handle(say("8", "/cancel_event " + TREES))
    assert "cancelled" not in refused.replies[0].text
    done = await desk.handle(say("7", f"/cancel_event {TREES} heavy rain"))
    assert done.replies[0].text == f"{TREES}: cancelled; 1 people notified"
    notices = await rows(db, "notice")
    assert len(notices) == 1 and "heavy rain" in text_of(notices[0])


async def test_the_country_can_be_changed_from_reminders(bot: Dispatcher, db: Database) -> None:
    await bot.handle(say("ana", "what's coming up"))
    await subscribe(bot, "ana", TREES, "TH")
    listed = await bot.handle(press("ana", "intent:my_reminders"))
    change = next(b for b in listed.replies[0].buttons if b.data == ChangeCountry().pack())
    asked = await bot.handle(press("ana", change.data))
    steps = [unpack(b.data) for b in asked.replies[-1].buttons]
    choice = next(s for s in steps if isinstance(s, FlowStep) and s.value == "CN")
    done = await bot.handle(press("ana", choice.pack()))
    assert done.replies[0].text.startswith("Got it: China.")
    async with db.session() as session:
        user = await repo.get_user(session, "telegram", "ana")
        assert user is not None and (user.country, user.timezone) == ("CN", "Asia/Shanghai")


# --- staff send the events file to the staff chat -----------------------------------------
STAFF_CHAT = "-100900"
EVENTS_FILE = (ROOT / "data" / "events.yml").read_text(encoding="utf-8")
BAD_EVENTS_FILE = """\
- id: river-forum
  category: forum
  timezone: Asia/Nowhere
  starts: 2027-02-30T09:00
  ends: 2027-03-01T17:00
  title: {zh: 论坛, en: Forum, th: ฟอรัม, vi: Diễn đàn, km: វេទិកា, lo: ເວທີ}
  summary: {zh: 论坛, en: Forum, th: ฟอรัม, vi: Diễn đàn, km: វេទិកា, lo: ເວທີ, my: ဖိုရမ်}
  place: {zh: 万象, en: Vientiane, th: เวียงจันทน์, vi: Viêng Chăn, km: វៀងចន្ទ, lo: ວຽງຈັນ, my: ဗီယင်ကျန်း}
- id: river-forum
  category: party
  timezone: Asia/Bangkok
  starts: 2027-03-02T17:00
  ends: 2027-03-02T09:00
  title: {zh: 论坛, en: Forum, th: ฟอรัม, vi: Diễn đàn, km: វេទិកា, lo: ເວທີ, my: ဖိုရမ်}
  summary: {zh: 论坛, en: Forum, th: ฟอรัม, vi: Diễn đàn, km: វេទិកា, lo: ເວທີ, my: ဖိုရမ်}
  online_url: https://example.org/forum
"""


@pytest.fixture
def desk(
    db: Database,
    scripted_nlu: NluClient,
    texts: Catalog,
    knowledge: Knowledge,
    clock: FakeClock,
    settings: Settings,
) -> Dispatcher:
    """The dispatcher with a staff chat and one staff member, "7"; no events yet."""
    staff = StaffDesk("telegram", STAFF_CHAT, frozenset({"telegram:7"}))
    return Dispatcher(db, scripted_nlu, texts, knowledge, clock, staff=staff, settings=settings)


def send_file(
    user: str, name: str, content: bytes | None, *, chat: str = STAFF_CHAT, size: int | None = None
) -> Incoming:
    """A document sent to the bot (content: what the channel downloaded, None if nothing)."""
    size = len(content) if size is None and content is not None else size
    return Incoming("telegram", user, chat, Kind.FILE, attachment=Attachment(name, size, content))


async def event_ids(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted(row["id"] for row in await listing(session, datetime(2026, 1, 1, tzinfo=UTC)))


async def test_staff_import_the_events_file_by_sending_it_and_followers_are_told(
    desk: Dispatcher, db: Database
) -> None:
    done = await desk.handle(send_file("7", "events.yml", EVENTS_FILE.encode()))
    assert done.replies[0].text.splitlines() == [
        "✅ events.yml is imported.",
        "Added (6): youth-climate-leadership-2027, capacity-building-officials-2027, "
        "youth-environment-awareness-2027, mekong-riverbank-cleanup-2027, "
        f"{TREES}, knowledge-sharing-roundtable-2027",
        "Unchanged: 0",
        "People notified: 0",
    ]
    assert len(await event_ids(db)) == 6
    await desk.handle(say("ana", "what's coming up"))
    await subscribe(desk, "ana", TREES, "TH")
    changed = EVENTS_FILE.replace("starts: 2027-07-10T08:00", "starts: 2027-07-10T09:00")
    changed = changed.replace(
        "- id: mekong-riverbank-cleanup-2027\n",
        "- id: mekong-riverbank-cleanup-2027\n  status: cancelled\n",
    )
    again = await desk.handle(send_file("7", "events.yml", changed.encode()))
    assert again.replies[0].text.splitlines() == [
        "✅ events.yml is imported.",
        f"Changed (1): {TREES}",
        "Cancelled (1): mekong-riverbank-cleanup-2027",
        "Unchanged: 4",
        "People notified: 1",
    ]
    [notice] = await rows(db, "notice")
    assert notice.chat_id == "ana" and "8:30 AM → 9:30 AM" in text_of(notice)
    assert all(":v2:" in (r.dedupe_key or "") for r in await rows(db, "reminder", outbox.PENDING))


async def test_a_bad_events_file_is_refused_whole_with_every_problem_listed(
    desk: Dispatcher, db: Database
) -> None:
    with pytest.raises(EventFileError) as expected:
        parse(BAD_EVENTS_FILE, "events.yml")
    assert len(expected.value.problems) >= 5
    refused = await desk.handle(send_file("7", "events.yml", BAD_EVENTS_FILE.encode()))
    text = refused.replies[0].text
    assert text.startswith("⚠️ events.yml was not imported, and no event changed.")
    assert text.splitlines()[1:] == expected.value.problems
    assert "events.yml:3: unknown time zone 'Asia/Nowhere'" in text
    assert "events.yml:9: duplicate id 'river-forum' (first at line 1)" in text
    assert await event_ids(db) == []


@pytest.mark.parametrize(
    ("attachment", "answer"),
    [
        (Attachment("events.pdf", 2000), "I only read YAML files (.yml or .yaml)"),
        (Attachment("events.yml", 300 * 1024), "is 300 KB, and I read files of up to 256 KB"),
        (Attachment("events.yml", 3, b"\xff\xfe\x00"), "isn't UTF-8 text"),
        (Attachment("events.yml", 40), 'I couldn\'t fetch "events.yml"'),
    ],
)
async def test_a_file_that_cannot_be_read_is_answered_in_the_staff_members_language(
    desk: Dispatcher, db: Database, attachment: Attachment, answer: str
) -> None:
    incoming = Incoming("telegram", "7", STAFF_CHAT, Kind.FILE, attachment=attachment)
    outcome = await desk.handle(incoming)
    assert answer in outcome.replies[0].text
    assert await event_ids(db) == []
    thai = dataclasses.replace(incoming, language_hint="th", user_id="7", update_id="th")
    async with db.session() as session:  # the staff member's language is Thai now
        user = await repo.get_user(session, "telegram", "7")
        assert user is not None
        user.language, user.language_chosen = "th", True
    outcome = await desk.handle(thai)
    assert outcome.lang == "th" and answer not in outcome.replies[0].text


async def test_non_staff_cannot_import_events_by_file(
    desk: Dispatcher, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    content = EVENTS_FILE.encode()
    in_staff_chat = await desk.handle(send_file("8", "events.yml", content))
    assert in_staff_chat.replies == []
    assert "refused a file in the staff chat from telegram:8, who is not staff" in caplog.text
    private = await desk.handle(send_file("8", "events.yml", content, chat="8"))
    assert private.replies[0].text.startswith("Sorry, I can't open files.")
    staff_privately = await desk.handle(send_file("7", "events.yml", content, chat="7"))
    assert staff_privately.replies[0].text.startswith("Sorry, I can't open files.")
    assert "did not read a YAML file from telegram:7 outside the staff chat" in caplog.text
    assert await event_ids(db) == []


async def test_the_staff_chat_lists_the_first_hundred_problems_and_says_how_many_more(
    desk: Dispatcher, db: Database
) -> None:
    text = "".join(f"- not an event {n}\n" for n in range(130))
    refused = await desk.handle(send_file("7", "events.yml", text.encode()))
    lines = refused.replies[0].text.splitlines()
    assert lines[1] == "events.yml:1: expected an event (id, category, timezone, starts, …)"
    assert len(lines) == 1 + 100 + 1
    assert lines[-1] == "… and 30 more (python -m bot events import FILE lists them all)"
    assert await event_ids(db) == []
