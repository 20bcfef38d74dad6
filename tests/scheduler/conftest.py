"""The channels' real senders, pointed at the stand-in Telegram and LINE APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.line import LineSender, build_api
from bot.channels.telegram import TelegramSender, build_bulk_bot
from tests.standins.line import LineStandIn
from tests.standins.telegram import TelegramStandIn

Senders = dict[str, TelegramSender | LineSender]


@pytest.fixture
async def senders(telegram_api: TelegramStandIn, line_api: LineStandIn) -> AsyncIterator[Senders]:
    bot = build_bulk_bot(telegram_api.token, base_url=telegram_api.base_url)
    await bot.initialize()
    client, api = build_api(line_api.channel_access_token, line_api.host)
    yield {"telegram": TelegramSender(bot), "line": LineSender(api)}
    await bot.shutdown()
    await client.close()
