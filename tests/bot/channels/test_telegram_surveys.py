"""Surveys in Telegram, through the real python-telegram-bot and the stand-in Bot API: a tap
turns the question into the next one under the answer given, in one edit; staff's /results come with the charts as photos.
LINE staff get the results' text alone. The scripted NLU; SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from actions import surveys
from actions.base import StaffDesk
from actions.knowledge import Knowledge
from actions.survey_defs import catalogue
from bot.channels.telegram import TelegramSender, build_bulk_bot
from bot.core.i18n import Catalog
from bot.core.messages import Incoming, Kind
from bot.core.ports import SystemClock
from bot.dispatcher import Dispatcher
from bot.storage import repo
from bot.storage.database import Database
from bot.storage.models import StoredImage, SurveyAnswer, SurveyResponse
from nlu.client import NluClient
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from tests.bot.channels.conftest import (
    STAFF_CHAT,
    STAFF_MEMBER,
    RunningBot,
    bot_settings,
    post_line,
    post_telegram,
    start_bot,
)
from tests.bot.test_cli_surveys import _fill
from tests.standins.line import LineStandIn, text_event, user_id_for
from tests.standins.rasa import RasaStandIn
from tests.standins.telegram import Json, TelegramStandIn

CHAT = 4101


async def _running(
    tmp_path: Path,
    database_url: str,
    telegram_api: TelegramStandIn,
    line_api: LineStandIn,
    **settings: object,
) -> AsyncIterator[RunningBot]:
    """The whole bot by webhook with the scripted NLU, on either database."""
    async with RasaStandIn({"give feedback": "give_feedback"}) as rasa:
        values = bot_settings(
            tmp_path, rasa.url, telegram_api, line_api, database_url=database_url, **settings
        )
        async for bot in start_bot(values, telegram_api):
            yield bot


@pytest.fixture
async def survey_bot(
    tmp_path: Path, database_url: str, telegram_api: TelegramStandIn, line_api: LineStandIn
) -> AsyncIterator[RunningBot]:
    """The bot with a staff chat on Telegram."""
    staff = {"telegram_staff_chat_id": STAFF_CHAT, "staff_ids": [f"telegram:{STAFF_MEMBER}"]}
    async for bot in _running(tmp_path, database_url, telegram_api, line_api, **staff):
        yield bot


class Chat:
    """One person's private chat with the bot: what arrives, and their taps."""

    def __init__(self, bot: RunningBot, api: TelegramStandIn, chat: int) -> None:
        self.bot, self.api, self.chat, self.seen = bot, api, chat, 0

    async def next(self, want: str) -> Json:
        """The next thing the chat gets (sent or edited) holding want."""
        found = await self.api.wait_for(
            lambda s: (
                s["chat_id"] == self.chat
                and self.api.sent.index(s) >= self.seen
                and want in s["text"]
            )
        )
        self.seen = self.api.sent.index(found) + 1
        return found

    async def tap(self, message: Json, answer: str) -> None:
        """Press the button of message answering answer (a number, an option id, done…)."""
        keyboard = message["result"]["reply_markup"]["inline_keyboard"]
        data = next(
            b["callback_data"]
            for row in keyboard
            for b in row
            if str(b.get("callback_data", "")).endswith(f".{answer}")
        )
        update = self.api.callback_update(
            self.chat, data, message_id=message["result"]["message_id"]
        )
        assert await post_telegram(self.bot, update) == 200

    async def say(self, text: str) -> None:
        assert await post_telegram(self.bot, self.api.text_update(self.chat, text)) == 200


def _mine(api: TelegramStandIn, chat: int) -> list[Json]:
    return [s for s in api.sent if s["chat_id"] == chat]


async def test_each_tap_turns_the_question_into_the_next_under_the_answer_in_one_edit(
    survey_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    survey = catalogue()["event-feedback"]
    async with survey_bot.app.db.session() as session:
        person, _ = await repo.get_or_create_user(session, "telegram", str(CHAT), str(CHAT))
        person.language, person.language_chosen = "en", True
        assert await surveys.invite(session, survey.id, "e1", [person], datetime.now(UTC))
    chat = Chat(survey_bot, telegram_api, CHAT)
    await chat.say("give feedback")
    first = await chat.next("(1/4)")
    message_id = first["result"]["message_id"]
    await chat.tap(first, "4")
    second = await chat.next("(2/4)")
    assert second["method"] == "editMessageText" and second["message_id"] == message_id
    assert second["text"].startswith(f"(1/4) {survey.questions[0].text['en']}\n✓ 4\n\n(2/4)")
    await chat.tap(second, "9")  # the next question's buttons are on the same message
    third = await chat.next("(3/4)")
    assert third["method"] == "editMessageText" and "\n✓ 9\n\n(3/4)" in third["text"]
    await chat.tap(third, "materials")  # several of: the ticks change in place
    ticked = await chat.next("(3/4)")
    assert ticked["method"] == "editMessageText" and ticked["message_id"] == message_id
    labels = [b["text"] for row in ticked["reply_markup"]["inline_keyboard"] for b in row]
    assert sum(label.startswith("☑️") for label in labels) == 1
    await chat.tap(ticked, "talks")
    ticked = await chat.next("(3/4)")
    await chat.tap(ticked, "done")
    fourth = await chat.next("(4/4)")
    useful = survey.questions[2]
    chosen = [o.text["en"] for o in useful.options if o.id in ("materials", "talks")]
    assert any(
        f"✓ {', '.join(order)}\n\n(4/4)" in fourth["text"] for order in (chosen, chosen[::-1])
    )
    await chat.say("More time for questions, please")  # typed: a new message, as in any chat
    thanks = await chat.next(survey.thanks["en"])
    assert thanks["method"] == "sendMessage"
    # One message was sent for the questions; every answer by button was one edit of it.
    mine = _mine(telegram_api, CHAT)
    asked = [s["text"][:5] for s in mine if s["method"] == "sendMessage" and s["text"][0] == "("]
    assert asked == ["(1/4)"]
    assert len([s for s in mine if s["method"] == "editMessageText"]) == 5
    async with survey_bot.app.db.session() as session:
        rows = await session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.value).join(
                SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id
            )
        )
        answers = dict(rows.all())
    assert answers["overall"] == 4 and answers["recommend"] == 9
    assert sorted(answers["useful"]) == ["materials", "talks"]  # type: ignore[arg-type]


async def test_a_question_that_can_no_longer_be_edited_gets_the_next_as_a_new_message(
    survey_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    chat = Chat(survey_bot, telegram_api, CHAT + 1)
    await chat.say("give feedback")
    first = await chat.next("(1/2)")
    telegram_api.delete_message(CHAT + 1, first["result"]["message_id"])  # they cleared it
    await chat.tap(first, "5")
    second = await chat.next("(2/2)")
    assert second["method"] == "sendMessage" and "\n✓ 5\n\n(2/2)" in second["text"]
    # A tap on the old question again: stale, nothing stored twice, nothing edited.
    await chat.tap(first, "3")
    stale = await chat.next("")
    assert stale["method"] == "sendMessage"
    async with survey_bot.app.db.session() as session:
        values = (await session.scalars(select(SurveyAnswer.value))).all()
    assert values == [5]


async def test_staff_get_the_results_with_one_chart_a_question_as_photos(
    survey_bot: RunningBot, telegram_api: TelegramStandIn, database_url: str
) -> None:
    await _fill(database_url)
    command = telegram_api.text_update(
        STAFF_CHAT, "/results event-feedback e1", chat_type="supergroup", user_id=STAFF_MEMBER
    )
    assert await post_telegram(survey_bot, command) == 200
    photos = []
    for _ in range(4):
        photos.append(
            await telegram_api.wait_for(
                lambda s: s["method"] == "sendPhoto" and s not in photos, timeout=60
            )
        )
    summary = next(s for s in telegram_api.sent if s["method"] == "sendMessage")
    assert summary["chat_id"] == STAFF_CHAT and summary["text"].startswith("📊 ")
    assert "NPS +17 (n=6)" in summary["text"]
    assert {p["chat_id"] for p in photos} == {STAFF_CHAT}
    assert telegram_api.sent.index(summary) < telegram_api.sent.index(photos[0])
    sizes = []
    for photo in photos:
        content = telegram_api.files[photo["result"]["photo"][-1]["file_id"]]
        assert content.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "PNG" and image.width > 500
            sizes.append(image.size)
    assert len(sizes) == 4
    async with survey_bot.app.db.session() as session:
        stored = await session.scalar(select(func.count()).select_from(StoredImage))
    assert stored == 4


async def test_results_charts_are_sent_by_any_worker_even_after_a_restart(
    database_url: str,
    telegram_api: TelegramStandIn,
    texts: Catalog,
    knowledge: Knowledge,
) -> None:
    """The dispatcher of one bot queues /results and stops; a worker of another process (its own
    connection to the database) sends the text and the charts: the bytes are in the database."""
    await _fill(database_url)
    writer = Database(database_url)
    async with RasaStandIn({}) as rasa:
        nlu = NluClient(rasa.url)
        staff = StaffDesk("telegram", str(STAFF_CHAT), frozenset({f"telegram:{STAFF_MEMBER}"}))
        dispatcher = Dispatcher(writer, nlu, texts, knowledge, SystemClock(), staff=staff)
        incoming = Incoming(
            "telegram",
            str(STAFF_MEMBER),
            str(STAFF_CHAT),
            Kind.TEXT,
            text="/results event-feedback e1",
        )
        outcome = await dispatcher.handle(incoming)
        await nlu.aclose()
    await writer.dispose()
    assert [bool(r.image_file) for r in outcome.replies] == [False, True, True, True, True]
    assert telegram_api.sent == []  # nothing sent: that bot is gone
    reader = Database(database_url)
    bot = build_bulk_bot(telegram_api.token, base_url=telegram_api.base_url)
    await bot.initialize()
    worker = DeliveryWorker(
        reader, {"telegram": TelegramSender(bot)}, SystemClock(), DeliveryConfig(budgets={})
    )
    await worker.start()
    try:
        await telegram_api.wait_for(
            lambda s: len([p for p in telegram_api.sent if p["method"] == "sendPhoto"]) == 4
        )
    finally:
        await worker.stop()
        await bot.shutdown()
        await reader.dispose()
    methods = [s["method"] for s in telegram_api.sent]
    assert methods == ["sendMessage"] + ["sendPhoto"] * 4
    for photo in telegram_api.sent[1:]:
        content = telegram_api.files[photo["result"]["photo"][-1]["file_id"]]
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "PNG"
    assert re.search(r"Invited 6 · started 6 · completed 5", telegram_api.sent[0]["text"])


async def test_line_staff_get_the_results_as_text_only(
    tmp_path: Path, telegram_api: TelegramStandIn, line_api: LineStandIn, database_url: str
) -> None:

    staff = user_id_for("line-staff")
    await _fill(database_url)
    running = _running(tmp_path, database_url, telegram_api, line_api, staff_ids=[f"line:{staff}"])
    async for bot in running:
        token = line_api.issue_reply_token(staff)
        event = text_event(staff, "/results event-feedback e1", reply_token=token)
        assert await post_line(bot, line_api, [event]) == 200
        for _ in range(200):
            if line_api.messages_to(staff):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    messages = line_api.messages_to(staff)
    assert [m["type"] for m in messages] == ["text"]
    assert str(messages[0]["text"]).startswith("📊 ")
