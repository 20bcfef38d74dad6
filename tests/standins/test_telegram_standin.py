"""The Telegram stand-in, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatMemberBanned,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from .telegram import TelegramStandIn

CHAT = 555001


@pytest.fixture
async def tg() -> AsyncIterator[TelegramStandIn]:
    """A running Telegram stand-in."""
    async with TelegramStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(tg: TelegramStandIn) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the stand-in."""
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as real_bot:
        yield real_bot


async def test_get_me(bot: Bot, tg: TelegramStandIn) -> None:
    me = await bot.get_me()
    assert (me.username, me.is_bot, me.can_join_groups) == ("glm_test_bot", True, True)
    assert me.id == 123456
    assert tg.calls[0][0] == "getMe"


async def test_wrong_token_is_unauthorized(tg: TelegramStandIn) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=tg.base_url):
            pass


async def test_unknown_method_and_json_body(tg: TelegramStandIn) -> None:
    async with httpx.AsyncClient(base_url=f"{tg.base_url}{tg.token}") as client:
        missing = await client.post("/fooBar")
        sent = await client.post("/sendMessage", json={"chat_id": CHAT, "text": "123"})
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert sent.json()["result"]["text"] == "123"
    assert tg.sent[0]["chat_id"] == CHAT and tg.sent[0]["text"] == "123"


async def test_send_message_with_inline_keyboard(bot: Bot, tg: TelegramStandIn) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ไทย", callback_data="lang:th")]])
    first = await bot.send_message(CHAT, "Choose a language", reply_markup=keyboard)
    second = await bot.send_message(CHAT, "<b>bold</b> &amp; more", parse_mode="HTML")
    assert first.text == "Choose a language" and first.chat.id == CHAT
    assert first.reply_markup == keyboard
    assert second.message_id > first.message_id and second.text == "bold & more"
    assert tg.sent[0]["method"] == "sendMessage"
    assert tg.sent[0]["reply_markup"] == {
        "inline_keyboard": [[{"text": "ไทย", "callback_data": "lang:th"}]]
    }


async def test_send_message_validation(bot: Bot, tg: TelegramStandIn) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="ไ" * 22)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "hi", reply_markup=long_data)
    assert tg.sent == []


async def test_set_and_get_my_commands(bot: Bot, tg: TelegramStandIn) -> None:
    await bot.set_my_commands([BotCommand("start", "เริ่ม")], language_code="th")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert tg.commands["th"] == [{"command": "start", "description": "เริ่ม"}]
    assert [c["command"] for c in tg.commands[""]] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="th")] == ["เริ่ม"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "capital letters are refused")])


async def test_get_updates_and_offset(bot: Bot, tg: TelegramStandIn) -> None:
    tg.push_update(tg.text_update(CHAT, "/start", language_code="th"))
    tg.push_update(tg.text_update(CHAT, "สวัสดี"))
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/start", "สวัสดี"]
    start = updates[0].message
    assert start is not None and start.from_user is not None
    assert start.from_user.language_code == "th"
    assert start.entities[0].type == "bot_command"
    confirmed = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.update_id for u in confirmed] == [updates[1].update_id]
    assert await bot.get_updates(offset=updates[1].update_id + 1, timeout=0) == ()


async def test_long_poll_wakes_on_push(bot: Bot, tg: TelegramStandIn) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    tg.push_update(tg.text_update(CHAT, "hello"))
    updates = await asyncio.wait_for(poll, 1)
    assert updates[0].message is not None and updates[0].message.text == "hello"


async def test_get_updates_conflicts_with_webhook(bot: Bot, tg: TelegramStandIn) -> None:
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_then_success(bot: Bot, tg: TelegramStandIn) -> None:
    tg.rate_limit_next(1, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(CHAT, "too fast")
    await bot.send_message(CHAT, "later")
    assert [item["text"] for item in tg.sent] == ["later"]


async def test_blocked_chat_is_forbidden(bot: Bot, tg: TelegramStandIn) -> None:
    tg.push_update(tg.my_chat_member_update(CHAT, "member", "kicked"))
    assert CHAT in tg.blocked_chats
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "are you there?")
    updates = await bot.get_updates(timeout=0)
    member = updates[0].my_chat_member
    assert member is not None and isinstance(member.new_chat_member, ChatMemberBanned)


async def test_callback_query_and_edit(bot: Bot, tg: TelegramStandIn) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    sent = await bot.send_message(CHAT, "Subscribe?", reply_markup=keyboard)
    update = Update.de_json(tg.callback_update(CHAT, "yes", message_id=sent.message_id), bot)
    query = update.callback_query
    assert query is not None and query.data == "yes" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("ok")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer("twice")
    edited = await bot.edit_message_text("Subscribed", chat_id=CHAT, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Subscribed", chat_id=CHAT, message_id=sent.message_id)
    assert [item["method"] for item in tg.sent] == ["sendMessage", "editMessageText"]


async def test_edits_fail_as_telegrams_do(bot: Bot, tg: TelegramStandIn) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("4", callback_data="q.4")]])
    question = await bot.send_message(CHAT, "How useful?", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "How useful?", chat_id=CHAT, message_id=question.message_id, reply_markup=keyboard
        )
    edited = await bot.edit_message_text(
        "How useful?", chat_id=CHAT, message_id=question.message_id
    )  # the same text without the keyboard is a change
    assert not isinstance(edited, bool) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=question.message_id + 1000)
    tg.delete_message(CHAT, question.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=question.message_id)
    old = await bot.send_message(CHAT, "Last week")
    tg.age_message(CHAT, old.message_id, 48 * 3600 + 60)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=old.message_id)
    photo = await bot.send_photo(CHAT, b"\x89PNG\r\n\x1a\n-chart", caption="chart")
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=photo.message_id)
    tg.missing_chats.add(CHAT + 2)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(CHAT + 2, "hello")
    tg.blocked_chats.add(CHAT)
    fresh = await bot.send_message(CHAT + 1, "hello")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=photo.message_id)
    assert await bot.edit_message_text("hi", chat_id=CHAT + 1, message_id=fresh.message_id)
    assert [item["method"] for item in tg.sent] == [
        "sendMessage",
        "editMessageText",
        "sendMessage",
        "sendPhoto",
        "sendMessage",
        "editMessageText",
    ]


async def test_update_builders_parse(bot: Bot, tg: TelegramStandIn) -> None:
    builders = [
        tg.sticker_update(CHAT),
        tg.photo_update(CHAT, caption="river"),
        tg.voice_update(CHAT, duration=4),
        tg.location_update(CHAT, 17.97, 102.6),
        tg.text_update(-100123, "/help@glm_test_bot", chat_type="supergroup", user_id=7),
    ]
    messages = [Update.de_json(data, bot).effective_message for data in builders]
    sticker, photo, voice, location, group = messages
    assert sticker is not None and sticker.sticker is not None
    assert photo is not None and photo.caption == "river" and photo.photo
    assert voice is not None and voice.voice is not None
    assert builders[2]["message"]["voice"]["duration"] == 4
    assert location is not None and location.location is not None
    assert group is not None and group.chat.type == "supergroup" and group.from_user is not None
    assert group.from_user.id == 7 and group.entities[0].length == len("/help@glm_test_bot")
    assert voice.voice is not None
    voice_file = await bot.get_file(voice.voice.file_id)
    assert await voice_file.download_as_bytearray() == bytearray(b"OggS-opus-voice")


async def test_a_document_is_downloaded_through_get_file_and_the_download_recorded(
    bot: Bot, tg: TelegramStandIn
) -> None:
    data = tg.document_update(-100777, "events.yml", b"- id: forum\n", user_id=7, caption="new")
    message = Update.de_json(data, bot).effective_message
    assert message is not None and message.document is not None
    document = message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "events.yml",
        "application/x-yaml",
        len(b"- id: forum\n"),
    )
    assert message.caption == "new" and message.text is None
    assert tg.downloads == []
    file = await document.get_file()
    assert file.file_size == document.file_size
    assert await file.download_as_bytearray() == bytearray(b"- id: forum\n")
    assert tg.downloads == [document.file_id]
    huge = tg.document_update(CHAT, "huge.yml", b"x" * (20 * 1024 * 1024 + 1))
    huge_message = Update.de_json(huge, bot).effective_message
    assert huge_message is not None and huge_message.document is not None
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await huge_message.document.get_file()
    assert tg.downloads == [document.file_id]


async def test_send_photo_upload_and_document(bot: Bot, tg: TelegramStandIn) -> None:
    await bot.send_chat_action(CHAT, "upload_photo")
    photo = await bot.send_photo(CHAT, b"\x89PNG\r\n\x1a\n-binary", caption="chart")
    document = await bot.send_document(CHAT, b"a,b\r\n1,2\r\n", filename="data.csv")
    assert photo.caption == "chart" and photo.photo[-1].width == 800
    assert document.document is not None and document.document.file_name == "data.csv"
    uploaded = tg.sent[0]["photo"]
    assert uploaded.content == b"\x89PNG\r\n\x1a\n-binary"
    assert tg.files[document.document.file_id] == b"a,b\r\n1,2\r\n"
    assert tg.calls_to("sendChatAction") == [{"chat_id": CHAT, "action": "upload_photo"}]


async def test_wait_for(bot: Bot, tg: TelegramStandIn) -> None:
    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(CHAT, "done")

    task = asyncio.create_task(reply_later())
    item = await tg.wait_for(lambda sent: sent["text"] == "done", timeout=2)
    assert item["result"]["chat"]["id"] == CHAT
    await task
    with pytest.raises(TimeoutError):
        await tg.wait_for(lambda sent: sent["text"] == "never", timeout=0.05)


async def test_application_polling_round_trip(tg: TelegramStandIn) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome")

    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        tg.push_update(tg.text_update(CHAT, "/start"))
        reply = await tg.wait_for(lambda sent: sent["chat_id"] == CHAT, timeout=3)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "Welcome"
    assert tg.updates == []
