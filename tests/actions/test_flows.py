"""Conversations through the dispatcher: confirmations, staff questions, stale and forged buttons.

Routing only: Rasa is the scripted stand-in, the database a real SQLite file, time a FakeClock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from actions.base import StaffDesk
from actions.knowledge import Knowledge
from bot.core.i18n import Catalog
from bot.core.messages import Incoming, Kind, Reply
from bot.core.payloads import FlowResume, FlowStep, Human, unpack
from bot.dispatcher import Dispatcher, Outcome
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.models import ConversationState, Delivery, User
from nlu.client import NluClient
from tests.clock import FakeClock
from tests.standins.rasa import RasaStandIn

INTENTS = {
    "delete my data": "delete_my_data",
    "who funds": "funding",
    "hello": "greet",
}
STAFF_CHAT = "-100900"


@pytest.fixture
async def scripted_nlu() -> AsyncIterator[NluClient]:
    async with RasaStandIn(INTENTS) as rasa:
        client = NluClient(rasa.url)
        yield client
        await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bot(
    sqlite_db: Database,
    scripted_nlu: NluClient,
    texts: Catalog,
    knowledge: Knowledge,
    clock: FakeClock,
) -> Dispatcher:
    staff = StaffDesk("telegram", STAFF_CHAT, frozenset({"telegram:7"}))
    return Dispatcher(sqlite_db, scripted_nlu, texts, knowledge, clock, staff=staff)


def say(user: str, text: str) -> Incoming:
    return Incoming("telegram", user, user, Kind.TEXT, text=text)


def press(user: str, data: str) -> Incoming:
    return Incoming("telegram", user, user, Kind.BUTTON, data=data)


def flow_buttons(outcome: Outcome) -> list[FlowStep]:
    return [p for b in outcome.replies[-1].buttons if isinstance(p := unpack(b.data), FlowStep)]


async def _user(db: Database, external_id: str) -> User | None:
    async with db.session() as session:
        return await repo.get_user(session, "telegram", external_id)


async def test_confirming_deletes_and_a_button_pressed_after_expiry_does_nothing(
    bot: Dispatcher, sqlite_db: Database, clock: FakeClock, texts: Catalog
) -> None:
    yes, _ = flow_buttons(await bot.handle(say("ana", "delete my data")))
    clock.advance(minutes=11)  # the confirmation lives 10 minutes
    late = await bot.handle(press("ana", yes.pack()))
    assert late.replies[0].text == texts.get("en", "flow.expired")
    assert await _user(sqlite_db, "ana") is not None

    yes, _ = flow_buttons(await bot.handle(say("ana", "delete my data")))
    done = await bot.handle(press("ana", yes.pack()))
    assert done.replies[0].text == texts.get("en", "privacy.deleted")
    assert await _user(sqlite_db, "ana") is None


async def test_a_button_of_an_earlier_flow_is_stale(
    bot: Dispatcher, sqlite_db: Database, texts: Catalog
) -> None:
    old_yes, _ = flow_buttons(await bot.handle(say("ben", "delete my data")))
    flow_buttons(await bot.handle(say("ben", "delete my data")))  # asked again: a new flow
    stale = await bot.handle(press("ben", old_yes.pack()))
    assert stale.replies[0].text == texts.get("en", "flow.expired")
    assert await _user(sqlite_db, "ben") is not None


@pytest.mark.parametrize(
    "forged",
    ["privacy:delete", "f:00000000:yes", "f:" + "9" * 60 + ":yes", "intent:no_such_intent", "x"],
)
async def test_forged_buttons_change_nothing(
    bot: Dispatcher, sqlite_db: Database, texts: Catalog, forged: str
) -> None:
    flow_buttons(await bot.handle(say("cat", "delete my data")))
    outcome = await bot.handle(press("cat", forged))
    assert outcome.replies[0].text == texts.get("en", "flow.expired")
    assert await _user(sqlite_db, "cat") is not None
    async with sqlite_db.session() as session:
        assert await session.scalar(select(ConversationState)) is not None  # flow still there


async def test_a_question_in_the_middle_is_answered_and_the_flow_offers_to_go_on(
    bot: Dispatcher, sqlite_db: Database, knowledge: Knowledge, texts: Catalog
) -> None:
    yes, _ = flow_buttons(await bot.handle(say("dan", "delete my data")))
    asked = await bot.handle(say("dan", "who funds this?"))
    assert asked.replies[0].text == knowledge.entries["funding"].answer.texts["en"]
    offer = asked.replies[-1]
    assert offer.text == texts.get("en", "flow.resume")
    go, stop = (unpack(b.data) for b in offer.buttons)
    assert go == FlowResume(yes.flow_id, "go") and stop == FlowResume(yes.flow_id, "stop")
    async with sqlite_db.session() as session:  # answered, not logged as unanswered
        user = await repo.get_user(session, "telegram", "dan")
        assert user is not None
        assert await repo.unanswered_questions(session) == []
    again = await bot.handle(press("dan", go.pack()))
    assert again.replies[0].text == texts.get("en", "privacy.confirm")
    done = await bot.handle(press("dan", flow_buttons(again)[0].pack()))
    assert done.replies[0].text == texts.get("en", "privacy.deleted")


async def test_cancel_ends_the_flow(bot: Dispatcher, texts: Catalog) -> None:
    yes, _ = flow_buttons(await bot.handle(say("eve", "delete my data")))
    cancelled = await bot.handle(say("eve", "/cancel"))
    assert cancelled.replies[0].text == texts.get("en", "cancelled")
    assert (await bot.handle(press("eve", yes.pack()))).replies[0].text == texts.get(
        "en", "flow.expired"
    )
    nothing = await bot.handle(say("eve", "/cancel"))
    assert nothing.replies[0].text == texts.get("en", "cancel.nothing")


async def test_a_flow_stored_by_an_older_version_ends_politely(
    bot: Dispatcher, sqlite_db: Database, clock: FakeClock, texts: Catalog
) -> None:
    await bot.handle(say("fay", "hello"))
    async with sqlite_db.session() as session:
        user = await repo.get_user(session, "telegram", "fay")
        assert user is not None
        await repo.save_flow(
            session,
            user,
            flow="survey_v0",
            flow_id="deadbeef",
            state="q7",
            data={},
            expires_at=clock.now() + __import__("datetime").timedelta(days=1),
        )
    outcome = await bot.handle(say("fay", "hello"))
    assert outcome.replies[0].text == texts.get("en", "flow.ended")
    async with sqlite_db.session() as session:
        assert await session.scalar(select(ConversationState)) is None


async def test_the_person_button_asks_for_the_question_and_forwards_it(
    bot: Dispatcher, sqlite_db: Database, texts: Catalog
) -> None:
    asked = await bot.handle(press("gus", Human().pack()))
    assert asked.replies[0].text == texts.get("en", "human.ask")
    sent = await bot.handle(say("gus", "When is the next youth forum in Vientiane?"))
    assert sent.replies[0].text == texts.get("en", "human.forwarded")
    assert ("telegram", STAFF_CHAT) in sent.touched
    async with sqlite_db.session() as session:
        (forward,) = (
            await session.scalars(select(Delivery).where(Delivery.kind == "handoff"))
        ).all()
    assert forward.chat_id == STAFF_CHAT and forward.lane == outbox.REPLY
    assert "Vientiane" in Reply.from_json(forward.content[0]).text


async def test_staff_commands_are_for_staff_only(bot: Dispatcher, texts: Catalog) -> None:
    refused = await bot.handle(say("hal", "/unanswered"))
    assert texts.get("en", "staff.unanswered.title") not in refused.replies[0].text
    allowed = await bot.handle(say("7", "/unanswered"))
    assert allowed.replies[0].text == texts.get("en", "staff.unanswered.none")
