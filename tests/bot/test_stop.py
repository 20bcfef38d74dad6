"""A clean stop: SIGTERM during a burst answers every message taken and exits 0; a bot killed
with SIGKILL leaves no Rasa server behind."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx

from tests.botprocess import BotProcess, alive, children
from tests.standins.rasa import RasaStandIn
from tests.standins.telegram import TelegramStandIn


async def test_sigterm_during_a_burst_answers_what_was_taken_and_exits_0(
    database_url: str,
) -> None:
    async with TelegramStandIn() as telegram, RasaStandIn({"hello": "greet"}) as rasa:
        telegram.send_delay = 0.3
        bot = BotProcess(database_url, rasa.url, telegram=telegram)
        await bot.start()
        taken: list[int] = []
        async with httpx.AsyncClient(timeout=30) as http:

            async def person(chat: int) -> None:
                try:
                    if await bot.post_telegram(http, telegram.text_update(chat, "hello")) == 200:
                        taken.append(chat)
                except httpx.HTTPError:
                    pass  # refused once the bot stopped listening: Telegram would send it again

            burst = [asyncio.create_task(person(7000 + i)) for i in range(60)]
            deadline = time.monotonic() + 30
            while not taken and time.monotonic() < deadline:  # stop once the burst is under way
                await asyncio.sleep(0.01)
            assert bot.process is not None
            bot.process.send_signal(signal.SIGTERM)
            await asyncio.gather(*burst)
            code = await asyncio.to_thread(bot.process.wait, 60)
        assert code == 0
        assert taken, "no message was taken within 30 s"
        answered = {s["chat_id"] for s in telegram.sent}
        assert set(taken) <= answered


async def test_a_killed_bot_leaves_no_rasa_server(database_url: str) -> None:
    async with TelegramStandIn() as telegram:
        bot = BotProcess(database_url, None, telegram=telegram)  # starts its own Rasa
        await bot.start(timeout=600)
        assert bot.process is not None
        (rasa,) = children(bot.process.pid)
        assert alive(rasa)
        bot.kill()
        deadline = time.monotonic() + 10
        while alive(rasa) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not alive(rasa)
