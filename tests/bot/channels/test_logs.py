"""At LOG_LEVEL=DEBUG the logs hold no secret and no message text (bot/logs.py).

The whole bot runs as in the channel tests (real SDKs, stand-in APIs), with a staff chat.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.logs import configure_logging
from tests.bot.channels.conftest import (
    SECRET_TOKEN,
    STAFF_CHAT,
    STAFF_MEMBER,
    bot_settings,
    handoff_recorded,
    post_line,
    post_telegram,
    sent_to,
    staff_reply,
    start_bot,
)
from tests.standins.line import LineStandIn, text_event, user_id_for
from tests.standins.telegram import TelegramStandIn

TEXTS = [
    "secret question about mangroves 7731",
    "ขอคุยกับเจ้าหน้าที่หน่อยค่ะ เรื่องส่วนตัว 8842",
    "staff answer with a private detail 9953",
    "LINE message about my village 1164",
]


async def test_debug_logs_hold_no_secret_and_no_message_text(
    tmp_path: Path,
    rasa_url: str,
    telegram_api: TelegramStandIn,
    line_api: LineStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = bot_settings(
        tmp_path,
        rasa_url,
        telegram_api,
        line_api,
        telegram_staff_chat_id=STAFF_CHAT,
        staff_ids=[f"telegram:{STAFF_MEMBER}"],
        log_level="DEBUG",
    )
    caplog.set_level(logging.DEBUG)
    undo = configure_logging("DEBUG", settings)
    try:
        async for bot in start_bot(settings, telegram_api):
            assert await post_telegram(bot, telegram_api.text_update(6001, TEXTS[0])) == 200
            await telegram_api.wait_for(sent_to(6001))
            assert await post_telegram(bot, telegram_api.text_update(6002, TEXTS[1])) == 200
            forwarded = await telegram_api.wait_for(sent_to(STAFF_CHAT))
            await handoff_recorded(bot, forwarded)
            assert await post_telegram(bot, staff_reply(telegram_api, forwarded, TEXTS[2])) == 200
            await telegram_api.wait_for(lambda s: sent_to(6002)(s) and TEXTS[2] in s["text"])
            event = text_event(user_id_for("logs"), TEXTS[3], reply_token="x")
            assert await post_line(bot, line_api, [event]) == 200
            await line_api.wait_for(lambda request: request["path"].endswith("/push"))
    finally:
        undo()
    logs = caplog.text
    assert any(record.levelno == logging.DEBUG for record in caplog.records)  # DEBUG was on
    secrets = [
        telegram_api.token,
        SECRET_TOKEN,
        line_api.channel_secret,
        line_api.channel_access_token,
    ]
    for secret in secrets:
        assert secret not in logs
    for text in TEXTS:
        assert text not in logs
