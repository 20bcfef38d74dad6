"""Telegram: the real python-telegram-bot against the stand-in Bot API, the real Rasa server."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Update

from actions.knowledge import Knowledge
from bot.channels.telegram import (
    TelegramReceiver,
    TelegramSender,
    build_application,
    build_bulk_bot,
)
from bot.core.i18n import LANGUAGES, Catalog
from bot.core.messages import Button, Incoming, Kind, Reply
from bot.core.ports import Recipient
from bot.server import MAX_JSON_DEPTH
from bot.storage.models import User
from tests.askers import ASKERS, Asker
from tests.bot.channels.conftest import (
    SECRET_TOKEN,
    STAFF_CHAT,
    STAFF_MEMBER,
    RunningBot,
    handoff_recorded,
    json_documents,
    post_telegram,
    sent_to,
    staff_reply,
)
from tests.standins.telegram import Json, TelegramStandIn, Upload

CHAT = 1001
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # enough of a PNG for the stand-in


def _new_to(chat_id: int, seen: list[Json]) -> Callable[[Json], bool]:
    return lambda sent: sent_to(chat_id)(sent) and all(sent is not old for old in seen)


@pytest.mark.parametrize("asker", ASKERS, ids=lambda asker: asker.who)
async def test_polling_answers_in_the_users_language(
    polling_bot: RunningBot, telegram_api: TelegramStandIn, knowledge: Knowledge, asker: Asker
) -> None:
    answers: list[Json] = []
    for intent, question in asker.questions:
        # The interface language says little: Telegram's apps are not in Khmer, Lao or Burmese.
        telegram_api.push_update(telegram_api.text_update(CHAT, question, language_code="en"))
        answers.append(await telegram_api.wait_for(_new_to(CHAT, answers)))
        assert answers[-1]["text"] == knowledge.entries[intent].answer.texts[asker.lang], question
        assert answers[-1]["reply_markup"]["inline_keyboard"]


@pytest.mark.parametrize("asker", ASKERS, ids=lambda asker: asker.who)
async def test_webhook_answers_in_the_users_language(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn, knowledge: Knowledge, asker: Asker
) -> None:
    answers: list[Json] = []
    for intent, question in asker.questions:
        assert await post_telegram(webhook_bot, telegram_api.text_update(CHAT, question)) == 200
        answers.append(await telegram_api.wait_for(_new_to(CHAT, answers)))
        assert answers[-1]["text"] == knowledge.entries[intent].answer.texts[asker.lang], question


async def test_the_webhook_is_registered_with_its_secret(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    (params,) = telegram_api.calls_to("setWebhook")
    assert params["secret_token"] == SECRET_TOKEN
    assert params["url"].endswith("/telegram/webhook")


async def test_commands_are_registered_in_every_language(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn, texts: Catalog
) -> None:
    for lang in LANGUAGES:
        commands = {c["command"]: c["description"] for c in telegram_api.commands[lang]}
        assert commands == {
            name: texts.get(lang, f"cmd.{name}")
            for name in (
                "start",
                "help",
                "language",
                "privacy",
                "reminders",
                "notifications",
                "cancel",
            )
        }
    assert telegram_api.commands[""]


async def test_a_redelivered_update_is_handled_once(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    update = telegram_api.text_update(2001, "hello")
    assert await post_telegram(webhook_bot, update) == 200
    assert await post_telegram(webhook_bot, update) == 200
    await telegram_api.wait_for(sent_to(2001))
    await asyncio.sleep(0.5)
    assert len([s for s in telegram_api.sent if sent_to(2001)(s)]) == 1


async def test_a_wrong_secret_is_refused_and_nothing_stored(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    update = telegram_api.text_update(2002, "hello")
    assert await post_telegram(webhook_bot, update, secret="wrong") == 403
    response = await webhook_bot.http.post("/telegram/webhook", json=update)
    assert response.status_code == 403
    async with webhook_bot.app.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"update_id": 5}', "text/plain", 415),
        (b'{"update_id": "x" ' + b" " * 300_000 + b"}", "application/json", 413),
    ],
)
async def test_malformed_webhooks_get_4xx(
    webhook_bot: RunningBot, body: bytes, content_type: str, status: int
) -> None:
    response = await webhook_bot.http.post(
        "/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN, "Content-Type": content_type},
    )
    assert response.status_code == status


async def test_buttons_are_answered(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn, texts: Catalog
) -> None:
    assert await post_telegram(webhook_bot, telegram_api.text_update(2003, "/start")) == 200
    greeting = await telegram_api.wait_for(sent_to(2003))
    message_id = greeting["result"]["message_id"]
    update = telegram_api.callback_update(2003, "lang:th", message_id=message_id)
    assert await post_telegram(webhook_bot, update) == 200
    changed = await telegram_api.wait_for(
        lambda s: (
            sent_to(2003)(s)
            and s is not greeting
            and s["text"] == texts.get("th", "language.changed")
        )
    )
    assert changed
    # answered in the webhook's response, not by a request of its own
    answered = telegram_api.calls_to("answerCallbackQuery")
    assert [call["callback_query_id"] for call in answered] == [update["callback_query"]["id"]]
    assert telegram_api.answered(update["callback_query"]["id"])


async def test_buttons_are_answered_by_a_request_when_polling(
    polling_bot: RunningBot, telegram_api: TelegramStandIn, texts: Catalog
) -> None:
    telegram_api.push_update(telegram_api.text_update(2013, "/start"))
    greeting = await telegram_api.wait_for(sent_to(2013))
    update = telegram_api.callback_update(
        2013, "lang:vi", message_id=greeting["result"]["message_id"]
    )
    telegram_api.push_update(update)
    await telegram_api.wait_for(
        lambda s: sent_to(2013)(s) and s["text"] == texts.get("vi", "language.changed")
    )
    assert telegram_api.answered(update["callback_query"]["id"])


async def test_stickers_get_a_polite_reply(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn, texts: Catalog
) -> None:
    update = telegram_api.sticker_update(2004, language_code="th")
    assert await post_telegram(webhook_bot, update) == 200
    sent = await telegram_api.wait_for(sent_to(2004))
    assert sent["text"] == texts.get("th", "unsupported.sticker")


async def test_rate_limits_are_retried(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    telegram_api.rate_limit_next(1, retry_after=1, methods={"sendMessage"})
    assert await post_telegram(webhook_bot, telegram_api.text_update(2005, "hello")) == 200
    sent = await telegram_api.wait_for(sent_to(2005), timeout=15)
    assert sent["text"]
    assert (
        len([c for c in telegram_api.calls_to("sendMessage") if str(c["chat_id"]) == "2005"]) >= 2
    )


async def test_a_user_who_blocked_the_bot_is_marked_inactive(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    telegram_api.blocked_chats.add(2006)
    assert await post_telegram(webhook_bot, telegram_api.text_update(2006, "hello")) == 200
    for _ in range(50):
        async with webhook_bot.app.db.session() as session:
            user = await session.scalar(select(User).where(User.external_id == "2006"))
        if user is not None and user.blocked:
            break
        await asyncio.sleep(0.1)
    assert user is not None and user.blocked
    assert (
        await post_telegram(
            webhook_bot, telegram_api.my_chat_member_update(2006, "kicked", "member")
        )
        == 200
    )


async def test_group_chats_answer_only_when_addressed(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    group = -100500
    chatter = telegram_api.text_update(group, "what a nice day", chat_type="group")
    assert await post_telegram(webhook_bot, chatter) == 200
    await asyncio.sleep(0.5)
    assert not [s for s in telegram_api.sent if sent_to(group)(s)]
    asked = telegram_api.text_update(group, "@glm_test_bot what is LMEC?", chat_type="group")
    assert await post_telegram(webhook_bot, asked) == 200
    assert (await telegram_api.wait_for(sent_to(group)))["text"]


async def test_long_replies_are_split_at_4096(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    sender = webhook_bot.app.worker.senders["telegram"]
    paragraph = "ข้อความยาวมาก " * 100
    await sender.send(Recipient("3001"), [Reply("\n\n".join([paragraph] * 8))], retry_key="k")
    pieces = [s["text"] for s in telegram_api.sent if sent_to(3001)(s)]
    assert len(pieces) >= 3 and all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == (
        "\n\n".join([paragraph] * 8)
    ).replace("\n", "").replace(" ", "")


async def test_healthz_reports_database_and_nlu(webhook_bot: RunningBot) -> None:
    response = await webhook_bot.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "nlu": "ok"}


async def test_healthz_is_503_when_the_database_cannot_be_written(
    webhook_bot: RunningBot, tmp_path: Path
) -> None:
    # Immutable (chattr +i): read-only even for root, as a read-only disk would be. The pool's
    # connections are closed so that the check opens the file anew, as after a remount.
    files = [tmp_path, tmp_path / "bot.db"]
    subprocess.run(["chattr", "+i", *map(str, files)], check=True)
    await webhook_bot.app.db.engine.dispose()
    try:
        response = await webhook_bot.http.get("/healthz")
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)
    assert response.status_code == 503
    assert response.json() == {"database": "down", "nlu": "ok"}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=json_documents(
        ["update_id", "message", "text", "chat", "from", "id", "callback_query", "data", "date"]
    )
)
async def test_random_update_json_never_gets_a_500(
    webhook_bot: RunningBot, payload: object
) -> None:
    response = await webhook_bot.http.post(
        "/telegram/webhook",
        content=json.dumps(payload),
        headers={
            "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN,
            "Content-Type": "application/json",
        },
    )
    assert response.status_code < 500


async def test_talk_to_a_person_and_the_staff_reply_comes_back(
    staff_bot: RunningBot, telegram_api: TelegramStandIn, texts: Catalog
) -> None:
    bot, user = staff_bot, 4001
    asked = telegram_api.text_update(user, "ขอคุยกับเจ้าหน้าที่หน่อยค่ะ")
    assert await post_telegram(bot, asked) == 200
    forwarded = await telegram_api.wait_for(sent_to(STAFF_CHAT))
    assert "ขอคุยกับเจ้าหน้าที่หน่อยค่ะ" in forwarded["text"]
    told = await telegram_api.wait_for(sent_to(user))
    assert told["text"] == texts.get("th", "human.forwarded")
    await handoff_recorded(bot, forwarded)
    # Someone in the staff chat who is not staff cannot answer as the LMEC team.
    impostor = telegram_api.text_update(
        STAFF_CHAT,
        "This is the LMEC team: send us your password",
        chat_type="supergroup",
        user_id=9999,
        reply_to=forwarded["result"]["message_id"],
    )
    assert await post_telegram(bot, impostor) == 200
    answer = staff_reply(telegram_api, forwarded, "Hello! How can we help?")
    assert await post_telegram(bot, answer) == 200
    relayed = await telegram_api.wait_for(
        lambda s: sent_to(user)(s) and "Hello! How can we help?" in s["text"]
    )
    assert relayed["text"] == texts.get("th", "human.reply", text="Hello! How can we help?")
    assert not [s for s in telegram_api.sent if sent_to(user)(s) and "password" in s["text"]]

    # Staff see the unanswered questions; others do not.
    outsider = telegram_api.text_update(4002, "/unanswered")
    assert await post_telegram(bot, outsider) == 200
    refused = await telegram_api.wait_for(sent_to(4002))
    assert texts.get("en", "staff.unanswered.title") not in refused["text"]
    assert (
        await post_telegram(bot, telegram_api.text_update(STAFF_MEMBER, "Who won the world cup?"))
        == 200
    )
    await telegram_api.wait_for(sent_to(STAFF_MEMBER))
    assert await post_telegram(bot, telegram_api.text_update(STAFF_MEMBER, "/unanswered")) == 200
    listed = await telegram_api.wait_for(
        lambda s: (
            sent_to(STAFF_MEMBER)(s) and texts.get("en", "staff.unanswered.title") in s["text"]
        )
    )
    assert "Who won the world cup?" in listed["text"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(depth=st.integers(min_value=1, max_value=20_000))
async def test_deeply_nested_json_is_a_400_never_a_500(webhook_bot: RunningBot, depth: int) -> None:
    body = '{"update_id": 1, "x": ' + "[" * depth + "]" * depth + "}"
    status = await post_telegram(webhook_bot, body=body)
    assert status == (400 if depth + 1 > MAX_JSON_DEPTH else 200)


async def test_a_lone_surrogate_gets_an_answer(
    webhook_bot: RunningBot, telegram_api: TelegramStandIn, texts: Catalog
) -> None:
    update = telegram_api.text_update(3101, "hello")
    body = json.dumps(update).replace('"hello"', '"hello \\ud800"')
    assert await post_telegram(webhook_bot, body=body) == 200
    answer = await telegram_api.wait_for(sent_to(3101))
    assert answer["text"] != texts.get("en", "error")


@pytest.fixture
async def sender(telegram_api: TelegramStandIn) -> AsyncIterator[TelegramSender]:
    """The bulk lane's sender: the real python-telegram-bot against the stand-in."""
    bot = build_bulk_bot(telegram_api.token, base_url=telegram_api.base_url)
    await bot.initialize()
    yield TelegramSender(bot)
    await bot.shutdown()


async def test_a_reply_edits_its_message_in_place_with_the_new_keyboard(
    sender: TelegramSender, telegram_api: TelegramStandIn
) -> None:
    question = Reply("How useful?", (Button("4", "q.4"), Button("5", "q.5")))
    (sent,) = await sender.send(Recipient("3201"), [question], retry_key="k")
    answered = Reply("How useful?\n\n✓ 4", edit=sent)
    again = Reply("Pick more", (Button("☑️ A", "a"),), edit=sent)
    assert await sender.send(Recipient("3201"), [answered], retry_key="k") == [sent]
    assert await sender.send(Recipient("3201"), [answered], retry_key="k") == [sent]  # again
    assert await sender.send(Recipient("3201"), [again], retry_key="k") == [sent]
    methods = [(s["method"], s["result"]["message_id"]) for s in telegram_api.sent]
    assert methods == [("sendMessage", int(sent))] + [("editMessageText", int(sent))] * 2
    edit, keyboard = telegram_api.sent[1], telegram_api.sent[2]
    assert edit["text"] == "How useful?\n\n✓ 4" and "reply_markup" not in edit["result"]
    assert keyboard["reply_markup"] == {
        "inline_keyboard": [[{"text": "☑️ A", "callback_data": "a"}]]
    }
    # "message is not modified" (the same edit after a crash) counted as done, nothing new:
    assert len(telegram_api.calls_to("editMessageText")) == 3


@pytest.mark.parametrize("gone", ["deleted", "old", "not a number", "a photo"])
async def test_a_message_that_cannot_be_edited_gets_a_new_one(
    sender: TelegramSender, telegram_api: TelegramStandIn, gone: str
) -> None:
    chat = Recipient("3202")
    if gone == "a photo":
        photo = Reply("", image_file=1, image_data=PNG)
        (target,) = await sender.send(chat, [photo], retry_key="k")
    else:
        (target,) = await sender.send(chat, [Reply("Question")], retry_key="k")
    if gone == "deleted":
        telegram_api.delete_message(3202, int(target))
    elif gone == "old":
        telegram_api.age_message(3202, int(target), 49 * 3600)
    elif gone == "not a number":
        target = "abc"
    (new,) = await sender.send(
        chat, [Reply("Question\n\n✓ 4", (Button("Next", "n"),), edit=target)], retry_key="k"
    )
    assert new != target
    last = telegram_api.sent[-1]
    assert (last["method"], last["text"]) == ("sendMessage", "Question\n\n✓ 4")
    assert last["reply_markup"] == {"inline_keyboard": [[{"text": "Next", "callback_data": "n"}]]}


async def test_a_stored_image_is_uploaded_with_its_caption(
    sender: TelegramSender, telegram_api: TelegramStandIn
) -> None:
    long_text = "ผลสำรวจ " * 200  # over a caption's 1,024 characters: a message of its own
    replies = [Reply("📊 chart", image_file=7, image_data=PNG), Reply(long_text, image_file=8)]
    replies.append(Reply(long_text, image_file=9, image_data=PNG))
    ids = await sender.send(Recipient("3203"), replies, retry_key="k")
    assert [s["method"] for s in telegram_api.sent] == [
        "sendPhoto",
        "sendMessage",  # image 8's bytes were not found: its text alone
        "sendPhoto",
        "sendMessage",
    ]
    assert len(ids) == 4 and telegram_api.sent[0]["caption"] == "📊 chart"
    for photo in (telegram_api.sent[0], telegram_api.sent[2]):
        file_id = photo["result"]["photo"][-1]["file_id"]
        assert telegram_api.files[file_id] == PNG
        assert isinstance(photo["photo"], Upload) and photo["photo"].filename.endswith(".png")
    assert "caption" not in telegram_api.sent[2]


async def test_a_button_press_carries_the_message_it_was_on(
    telegram_api: TelegramStandIn,
) -> None:
    seen: list[Incoming] = []

    class Recorder:
        async def handle(self, incoming: Incoming) -> None:
            seen.append(incoming)

    application = build_application(telegram_api.token, base_url=telegram_api.base_url)
    TelegramReceiver(application, Recorder(), None)  # type: ignore[arg-type]
    async with application:
        sent = await application.bot.send_message(3204, "Rate it", reply_markup=None)
        press = telegram_api.callback_update(3204, "f:abc:0.4", message_id=sent.message_id)
        await application.process_update(Update.de_json(press, application.bot))
        text = telegram_api.text_update(3204, "hello")
        await application.process_update(Update.de_json(text, application.bot))
    assert [(i.kind, i.data, i.button_message) for i in seen] == [
        (Kind.BUTTON, "f:abc:0.4", str(sent.message_id)),
        (Kind.TEXT, "", None),
    ]
