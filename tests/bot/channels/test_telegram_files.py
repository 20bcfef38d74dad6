"""Staff send YAML files to the staff chat: the real python-telegram-bot against the stand-in
Bot API (getFile, then the download), the scripted NLU.

An events file is imported as `python -m bot events import FILE` does; a message file is a
broadcast's message in the /broadcast flow. Nobody else's file is ever downloaded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from actions.event_admin import listing
from actions.event_file import EventFileError, parse
from bot.core.messages import MAX_ATTACHMENT_BYTES
from bot.storage import repo
from tests.bot.channels.conftest import (
    STAFF_CHAT,
    STAFF_MEMBER,
    RunningBot,
    events_file,
    post_telegram,
    sent_to,
)
from tests.standins.rasa import RasaStandIn
from tests.standins.telegram import Json, TelegramStandIn

NOT_STAFF = 5151
FIRST = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
FIRST = FIRST.replace(tzinfo=None)  # 09:00 local time (Bangkok), a month from now
GOOD = events_file(["river-forum", "delta-forum"], FIRST)
BAD = GOOD.replace("timezone: Asia/Bangkok", "timezone: Asia/Atlantis", 1).replace(
    "    my: title delta-forum (my)\n", ""
)
MESSAGE = """\
text:
  th: "ข่าวดีค่ะ เปิดรับสมัครเวทีเยาวชนแล้ว"
  en: "Good news: the youth forum is open for registration"
  vi: "Tin vui: diễn đàn thanh niên đã mở đăng ký"
fallback: en
buttons:
  - label: {th: "สมัคร", en: "Register", vi: "Đăng ký"}
    url: https://example.org/register
"""


@pytest.fixture
async def rasa_url() -> AsyncIterator[str]:
    """The scripted NLU (nothing here depends on understanding)."""
    async with RasaStandIn({"hello": "greet"}) as rasa:
        yield rasa.url


def staff_file(telegram_api: TelegramStandIn, name: str, content: bytes) -> Json:
    return telegram_api.document_update(
        STAFF_CHAT, name, content, user_id=STAFF_MEMBER, chat_type="supergroup"
    )


async def answer(telegram_api: TelegramStandIn, chat: int, seen: int = 0) -> str:
    """The text of the message the bot sends to chat after the first `seen` ones."""

    def next_one(sent: Json) -> bool:
        mine = [item for item in telegram_api.sent if sent_to(chat)(item)]
        return len(mine) > seen and sent is mine[seen]

    return str((await telegram_api.wait_for(next_one))["text"])


async def imported(bot: RunningBot) -> list[str]:
    async with bot.app.db.session() as session:
        return [row["id"] for row in await listing(session, datetime.now(UTC))]


async def test_a_staff_members_events_file_is_imported_and_the_reply_counts_it(
    staff_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    update = staff_file(telegram_api, "events.yml", GOOD.encode())
    assert await post_telegram(staff_bot, update) == 200
    text = await answer(telegram_api, STAFF_CHAT)
    assert text.splitlines() == [
        "✅ events.yml is imported.",
        "Added (2): river-forum, delta-forum",
        "Unchanged: 0",
        "People notified: 0",
    ]
    assert telegram_api.downloads == [update["message"]["document"]["file_id"]]
    assert await imported(staff_bot) == ["river-forum", "delta-forum"]
    again = staff_file(telegram_api, "events.yml", GOOD.replace("T09:00", "T10:00", 1).encode())
    assert await post_telegram(staff_bot, again) == 200
    text = await answer(telegram_api, STAFF_CHAT, seen=1)
    assert "Changed (1): river-forum" in text and "Unchanged: 1" in text


async def test_a_bad_events_file_lists_every_problem_and_imports_nothing(
    staff_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    with pytest.raises(EventFileError) as expected:
        parse(BAD, "events.yml")
    assert len(expected.value.problems) == 2
    assert await post_telegram(staff_bot, staff_file(telegram_api, "events.yml", BAD.encode()))
    text = await answer(telegram_api, STAFF_CHAT)
    assert text.splitlines()[0].startswith("⚠️ events.yml was not imported")
    assert text.splitlines()[1:] == expected.value.problems
    assert "events.yml:4: unknown time zone 'Asia/Atlantis'" in text
    assert await imported(staff_bot) == []


async def test_nobody_elses_file_is_downloaded_or_imported(
    staff_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    content = GOOD.encode()
    in_staff_chat = telegram_api.document_update(
        STAFF_CHAT, "events.yml", content, user_id=NOT_STAFF, chat_type="supergroup"
    )
    assert await post_telegram(staff_bot, in_staff_chat) == 200
    privately = telegram_api.document_update(NOT_STAFF, "events.yml", content)
    assert await post_telegram(staff_bot, privately) == 200
    assert (await answer(telegram_api, NOT_STAFF)).startswith("Sorry, I can't open files.")
    staff_privately = telegram_api.document_update(STAFF_MEMBER, "events.yml", content)
    assert await post_telegram(staff_bot, staff_privately) == 200
    assert (await answer(telegram_api, STAFF_MEMBER)).startswith("Sorry, I can't open files.")
    assert telegram_api.downloads == []
    assert telegram_api.calls_to("getFile") == []
    assert await imported(staff_bot) == []
    assert not [sent for sent in telegram_api.sent if sent_to(STAFF_CHAT)(sent)]


async def test_a_file_over_the_cap_or_not_yaml_is_refused_without_a_download(
    staff_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    big = b"# padding\n" * (MAX_ATTACHMENT_BYTES // 10 + 1)
    assert await post_telegram(staff_bot, staff_file(telegram_api, "events.yml", big))
    assert "and I read files of up to 256 KB" in await answer(telegram_api, STAFF_CHAT)
    assert await post_telegram(staff_bot, staff_file(telegram_api, "events.xlsx", b"PK\x03\x04"))
    assert "I only read YAML files" in await answer(telegram_api, STAFF_CHAT, seen=1)
    assert telegram_api.downloads == []


async def test_a_broadcast_message_sent_as_a_file_is_previewed_in_each_language(
    staff_bot: RunningBot, telegram_api: TelegramStandIn
) -> None:
    async with staff_bot.app.db.session() as session:
        for external, lang in (("301", "th"), ("302", "en"), ("303", "vi")):
            user, _ = await repo.get_or_create_user(session, "telegram", external, external)
            user.language = lang
    say = telegram_api.text_update
    start = say(STAFF_CHAT, "/broadcast", user_id=STAFF_MEMBER, chat_type="supergroup")
    assert await post_telegram(staff_bot, start) == 200
    assert "Who should get it?" in await answer(telegram_api, STAFF_CHAT)
    audience = say(STAFF_CHAT, "lang=th,en,vi", user_id=STAFF_MEMBER, chat_type="supergroup")
    assert await post_telegram(staff_bot, audience) == 200
    assert "send it as a YAML file" in await answer(telegram_api, STAFF_CHAT, seen=2)
    assert await post_telegram(staff_bot, staff_file(telegram_api, "news.yml", MESSAGE.encode()))
    summary = await telegram_api.wait_for(
        lambda sent: sent_to(STAFF_CHAT)(sent) and "Recipients:" in sent["text"]
    )
    shown = [sent["text"] for sent in telegram_api.sent if sent_to(STAFF_CHAT)(sent)]
    for version in ("ข่าวดีค่ะ เปิดรับสมัครเวทีเยาวชนแล้ว", "Tin vui: diễn đàn thanh niên đã mở đăng ký"):
        assert version in shown
    assert "Good news: the youth forum is open for registration" in shown
    thai = next(sent for sent in telegram_api.sent if sent.get("text", "").startswith("ข่าวดี"))
    assert thai["reply_markup"]["inline_keyboard"] == [
        [{"text": "สมัคร", "url": "https://example.org/register"}]
    ]
    buttons = [b["text"] for row in summary["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["📣 Send now", "🕒 Schedule", "✖️ Cancel"]
    assert len(telegram_api.downloads) == 1
