"""The event sweeper: when an event with a survey ends, its subscribers are invited, once.

Time is a FakeClock; the database SQLite and PostgreSQL; people subscribe and answer through
the dispatcher (scripted Rasa stand-in); invitations and the one reminder are sent by the real
outbox worker to a recording channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from actions import surveys
from actions.event_admin import cancel_event, import_events
from actions.event_cards import EventsConfig
from actions.event_file import EventSpec, load
from actions.knowledge import Knowledge
from actions.survey_defs import catalogue
from bot.core.event_payloads import FollowCategory, RemindMe
from bot.core.i18n import Catalog
from bot.core.messages import Incoming, Kind, Reply
from bot.core.payloads import FlowStep, Topic, unpack
from bot.core.settings import ROOT
from bot.dispatcher import Dispatcher, Outcome
from bot.storage import events, outbox, repo
from bot.storage.database import Database
from bot.storage.events import aware
from bot.storage.models import Delivery, Event, SurveyInvitation
from nlu.client import NluClient
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from scheduler.event_sweeper import EventSweeper
from tests.clock import FakeClock
from tests.deliveries import RecordingSender
from tests.standins.rasa import RasaStandIn

EVENT = "mekong-riverbank-cleanup-2027"
# A riverbank clean-up in Bangkok ending at 19:30 local time (12:30 UTC), with a survey.
ENDS = datetime(2027, 6, 5, 12, 30, tzinfo=UTC)
# Two hours later is 21:30 in Bangkok and 21:00 in Yangon: the invitations wait for 09:00 local.
INVITED_TH = datetime(2027, 6, 6, 2, 0, tzinfo=UTC)
INVITED_MM = datetime(2027, 6, 6, 2, 30, tzinfo=UTC)


@pytest.fixture
async def scripted_nlu() -> AsyncIterator[NluClient]:
    async with RasaStandIn({}) as rasa:
        client = NluClient(rasa.url)
        yield client
        await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 5, 1, 3, 0, tzinfo=UTC))


@pytest.fixture
def cleanup() -> EventSpec:
    spec = next(s for s in load(ROOT / "data" / "events.yml") if s.id == EVENT)
    return dataclasses.replace(
        spec,
        timezone="Asia/Bangkok",
        starts_local=datetime(2027, 6, 5, 16, 0),
        ends_local=datetime(2027, 6, 5, 19, 30),
        survey="event-feedback",
    )


@pytest.fixture
async def bot(
    db: Database,
    scripted_nlu: NluClient,
    texts: Catalog,
    knowledge: Knowledge,
    clock: FakeClock,
    cleanup: EventSpec,
) -> Dispatcher:
    async with db.session() as session:
        await import_events(session, texts, EventsConfig(), [cleanup], clock.now())
    return Dispatcher(db, scripted_nlu, texts, knowledge, clock)


def press(user: str, data: str) -> Incoming:
    return Incoming("telegram", user, user, Kind.BUTTON, data=data)


async def choose(bot: Dispatcher, user: str, outcome: Outcome, value: str) -> Outcome:
    """Press the button of the flow's last reply whose value ends with `value`."""
    for button in outcome.replies[-1].buttons:
        step = unpack(button.data)
        if isinstance(step, FlowStep) and step.value.split(".", 1)[-1] == value:
            return await bot.handle(press(user, button.data))
    raise AssertionError(f"no {value!r} in {[b.label for b in outcome.replies[-1].buttons]}")


async def subscribe(bot: Dispatcher, user: str, country: str, *, category: bool = False) -> None:
    payload = FollowCategory("volunteer") if category else RemindMe(EVENT)
    await choose(bot, user, await bot.handle(press(user, payload.pack())), country)


async def set_language(db: Database, user: str, lang: str) -> None:
    async with db.session() as session:
        person = await repo.get_user(session, "telegram", user)
        assert person is not None
        person.language, person.language_chosen = lang, True


async def deliveries(db: Database, *kinds: str) -> list[Delivery]:
    async with db.session() as session:
        query = (
            select(Delivery)
            .where(Delivery.kind.in_(kinds))
            .order_by(Delivery.chat_id, Delivery.due_at, Delivery.id)
        )
        return list((await session.scalars(query)).all())


async def drain(
    db: Database,
    clock: FakeClock,
    sender: RecordingSender,
    until: Callable[[], bool],
    seconds: float = 20.0,
) -> None:
    """Run the outbox worker until `until()` holds (at most `seconds`), then a little longer."""
    config = DeliveryConfig(budgets={"telegram": 1000.0}, tick_seconds=3600)
    worker = DeliveryWorker(db, {"telegram": sender}, clock, config, on_sent=surveys.ON_SENT)
    await worker.start()
    try:
        for _ in range(int(seconds / 0.05)):
            if until():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
    finally:
        await worker.stop()


async def test_an_ended_event_invites_its_subscribers_once_and_reminds_only_the_unfinished(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog
) -> None:
    await subscribe(bot, "ana", "TH")
    await subscribe(bot, "mya", "MM")
    await set_language(db, "mya", "my")
    await subscribe(bot, "vol", "VN", category=True)  # follows volunteer activities: not invited
    await subscribe(bot, "gone", "TH")
    async with db.session() as session:
        await outbox.block_recipients(session, "telegram", ["gone"])
    sweeper = EventSweeper(db, clock, texts=texts)

    clock.moment = ENDS - timedelta(minutes=1)
    await sweeper.sweep()
    assert await deliveries(db, "survey_invite", "survey_reminder") == []

    clock.moment = ENDS + timedelta(seconds=5)
    await sweeper.sweep()
    await sweeper.sweep()
    restarted = Database(db.url)  # a new process on the same database
    try:
        await EventSweeper(restarted, clock, texts=texts).sweep()
    finally:
        await restarted.dispose()
    rows = await deliveries(db, "survey_invite", "survey_reminder")
    assert [(r.chat_id, r.kind, aware(r.due_at)) for r in rows] == [
        ("ana", "survey_invite", INVITED_TH),
        ("ana", "survey_reminder", INVITED_TH + timedelta(hours=48)),
        ("mya", "survey_invite", INVITED_MM),
        ("mya", "survey_reminder", INVITED_MM + timedelta(hours=48)),
    ]
    title = catalogue()["event-feedback"].title["my"]
    assert Reply.from_json(rows[2].content[0]).text.startswith(f"📝 {title}")
    async with db.session() as session:
        event = await session.get(Event, EVENT)
        assert event is not None and event.survey_invited_at is not None
        assert aware(event.survey_invited_at) == ENDS + timedelta(seconds=5)  # the first sweep
        invited = (await session.scalars(select(SurveyInvitation))).all()
        assert len(invited) == 2

    # The invitations go out at 09:00 local; Ana answers, Mya does not.
    survey = catalogue()["event-feedback"]

    def invitation(lang: str) -> str:
        return texts.get(lang, "survey.invite", title=survey.title[lang], intro=survey.intro[lang])

    def reminder(lang: str) -> str:
        return texts.get(lang, "survey.reminder", title=survey.title[lang])

    clock.moment = INVITED_MM
    sender = RecordingSender()
    invitations = {("ana", invitation("en")), ("mya", invitation("my"))}
    await drain(db, clock, sender, lambda: invitations <= set(sender.sent))
    assert invitations <= set(sender.sent)
    start = await bot.handle(press("ana", Topic("give_feedback").pack()))
    assert start.replies[0].text.startswith(f"📝 {survey.title['en']}")
    done = await choose(bot, "ana", start, "5")
    done = await choose(bot, "ana", done, "9")
    done = await choose(bot, "ana", done, "skip")
    done = await choose(bot, "ana", done, "skip")
    assert done.replies[0].text == survey.thanks["en"]

    # Two days later the one reminder reaches Mya only; a week later nothing more comes.
    clock.moment = INVITED_MM + timedelta(hours=48)
    await drain(db, clock, sender, lambda: ("mya", reminder("my")) in sender.sent)
    clock.advance(days=7)
    await sweeper.sweep()
    await drain(db, clock, sender, lambda: False, seconds=0.5)
    reminders = [sent for sent in sender.sent if sent[1] in (reminder("en"), reminder("my"))]
    assert reminders == [("mya", reminder("my"))]
    # Each invitation went out once (the two are sent concurrently, in either order).
    assert sorted(sent for sent in sender.sent if sent in invitations) == sorted(invitations)
    survey_rows = [(r.chat_id, r.status) for r in await deliveries(db, "survey_reminder")]
    assert survey_rows == [("ana", outbox.CANCELLED), ("mya", outbox.SENT)]

    # The finished event survey is never started again: "give feedback" is the general one.
    again = await bot.handle(press("ana", Topic("give_feedback").pack()))
    general = catalogue()["general"]
    assert again.replies[0].text.startswith(f"📝 {general.title['en']}")
    assert general.questions[0].text["en"] in again.replies[-1].text


async def test_no_invitations_without_a_survey_after_a_cancellation_or_long_after(
    bot: Dispatcher, db: Database, clock: FakeClock, texts: Catalog, cleanup: EventSpec
) -> None:
    await subscribe(bot, "ana", "TH")
    others = [
        dataclasses.replace(cleanup, id="no-survey-2027", survey=None),
        dataclasses.replace(cleanup, id="cancelled-2027"),
        dataclasses.replace(cleanup, id="unknown-survey-2027", survey="no-such-survey"),
        dataclasses.replace(
            cleanup,
            id="long-ago-2027",
            starts_local=datetime(2027, 4, 1, 16, 0),
            ends_local=datetime(2027, 4, 1, 19, 30),
        ),
    ]
    async with db.session() as session:
        await import_events(session, texts, EventsConfig(), others, clock.now())
    for event_id in ("no-survey-2027", "cancelled-2027", "unknown-survey-2027"):
        await bot.handle(press("ana", RemindMe(event_id).pack()))
    async with db.session() as session:
        await cancel_event(session, texts, EventsConfig(), "cancelled-2027", None, clock.now())
        # She followed the long-ago one before it ended (it is past now: no button does it).
        ana = await repo.get_user(session, "telegram", "ana")
        long_ago = await session.get(Event, "long-ago-2027")
        assert ana is not None and long_ago is not None
        await events.follow_event(session, ana, long_ago, clock.now())

    clock.moment = ENDS + timedelta(seconds=5)  # long-ago ended more than 7 days before
    sweeper = EventSweeper(db, clock, texts=texts)
    await sweeper.sweep()
    await sweeper.sweep()
    rows = await deliveries(db, "survey_invite")
    assert [(r.chat_id, r.dedupe_key) for r in rows] == [
        ("ana", f"survey:event-feedback:{EVENT}:{ana.id}")
    ]
    async with db.session() as session:
        marked = {
            e.id: e.survey_invited_at is not None for e in await session.scalars(select(Event))
        }
    assert marked == {
        EVENT: True,
        "long-ago-2027": True,
        "unknown-survey-2027": True,
        "no-survey-2027": False,
        "cancelled-2027": False,
    }
