"""Events on LINE: the cards of a listing come as one Flex carousel (the real line-bot-sdk
against the stand-in, which checks Flex messages as LINE does), and each bubble's buttons
act on their own event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.event_admin import import_events
from actions.event_cards import EventsConfig
from actions.event_file import parse
from bot.core.event_payloads import AddToCalendar, EventDetails, RemindMe
from bot.core.i18n import Catalog
from bot.core.payloads import FlowStep, unpack
from bot.storage import events, repo
from tests.bot.channels.conftest import RunningBot, events_file, post_line
from tests.standins.line import LineStandIn, postback_event, text_event, user_id_for
from tests.standins.rasa import RasaStandIn

IDS = ["mekong-youth-forum", "river-dialogue", "green-roundtable"]
FIRST = (datetime.now(UTC) + timedelta(days=20)).replace(
    hour=9, minute=0, second=0, microsecond=0, tzinfo=None
)

Json = dict[str, Any]


@pytest.fixture
async def rasa_url() -> AsyncIterator[str]:
    async with RasaStandIn({"what's coming up": "list_events"}) as rasa:
        yield rasa.url


@pytest.fixture
async def bot(webhook_bot: RunningBot, texts: Catalog) -> RunningBot:
    specs = parse(events_file(IDS, FIRST), "events.yml")
    async with webhook_bot.app.db.session() as session:
        await import_events(session, texts, EventsConfig(), specs, datetime.now(UTC))
    return webhook_bot


async def next_message(line_api: LineStandIn, user: str, seen: int) -> list[Json]:
    """What the user got after the first `seen` messages, once something more came."""
    for _ in range(200):
        messages = line_api.messages_to(user)
        if len(messages) > seen:
            await asyncio.sleep(0.1)  # the rest of the same request
            return line_api.messages_to(user)[seen:]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user} got nothing after {line_api.messages_to(user)}")


async def test_a_line_user_gets_one_carousel_and_the_second_bubble_subscribes_to_its_event(
    bot: RunningBot, line_api: LineStandIn
) -> None:
    user = user_id_for("carousel-user")
    line_api.profiles[user] = {"displayName": "Dao", "language": "en"}
    token = line_api.issue_reply_token(user)
    assert await post_line(bot, line_api, [text_event(user, "what's coming up", reply_token=token)])
    got = await next_message(line_api, user, 0)
    assert [m["type"] for m in got] == ["text", "flex"]
    assert got[0]["text"].startswith("Here is what's coming up")
    flex = got[1]
    assert flex["altText"] == " · ".join(f"📅 Forum {event_id} (en)" for event_id in IDS)
    carousel = flex["contents"]
    assert carousel["type"] == "carousel" and len(carousel["contents"]) == 3
    for bubble, event_id in zip(carousel["contents"], IDS, strict=True):
        assert bubble["body"]["contents"][0]["text"] == f"📅 Forum {event_id} (en)"
        assert bubble["body"]["contents"][0]["weight"] == "bold"
        actions = [button["action"] for button in bubble["footer"]["contents"]]
        assert [(a["type"], a["label"], a["data"]) for a in actions] == [
            ("postback", "🔔 Remind me", RemindMe(event_id).pack()),
            ("postback", "🗓 Add to calendar", AddToCalendar(event_id).pack()),
            ("postback", "ℹ️ Details", EventDetails(event_id).pack()),
        ]
    assert line_api.received[-1]["path"] == "/v2/bot/message/reply"  # one reply, two messages

    second = carousel["contents"][1]["footer"]["contents"][0]["action"]["data"]
    seen = len(line_api.messages_to(user))
    token = line_api.issue_reply_token(user)
    assert await post_line(bot, line_api, [postback_event(user, second, reply_token=token)])
    [question] = await next_message(line_api, user, seen)
    assert question["text"].startswith("Which country are you in?")
    thailand = next(
        item["action"]["data"]
        for item in question["quickReply"]["items"]
        if (step := unpack(item["action"]["data"]))
        and isinstance(step, FlowStep)
        and step.value == "TH"
    )
    seen = len(line_api.messages_to(user))
    token = line_api.issue_reply_token(user)
    assert await post_line(bot, line_api, [postback_event(user, thailand, reply_token=token)])
    [done] = await next_message(line_api, user, seen)
    assert done["text"].startswith(f'Done! I\'ll remind you about "Forum {IDS[1]} (en)"')
    async with bot.app.db.session() as session:
        person = await repo.get_user(session, "line", user)
        assert person is not None
        followed = await events.follows(session, person)
    assert [event.id for _, event in followed if event is not None] == [IDS[1]]
