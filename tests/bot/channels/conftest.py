"""A running bot (core, channels, web app on a real port) wired to the stand-in APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import strategies as st

from bot.app import App, running_app
from bot.core.i18n import LANGUAGES
from bot.core.settings import Settings, load_settings
from bot.server import build_web_app
from bot.storage import repo
from tests.standins.line import LineStandIn, sign, webhook_body
from tests.standins.server import StandInServer
from tests.standins.telegram import Json, TelegramStandIn

SECRET_TOKEN = "webhook-secret-123"
# The Telegram chat where staff receive "talk to a person" questions, and a staff member in it.
STAFF_CHAT = -100777
STAFF_MEMBER = 4242


def json_documents(keys: list[str]) -> st.SearchStrategy[object]:
    """Random JSON values whose objects use the given keys: malformed webhook bodies."""
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(keys), children, max_size=5)
        ),
        max_leaves=15,
    )


@dataclass
class RunningBot:
    app: App
    url: str
    http: httpx.AsyncClient
    telegram_api: TelegramStandIn  # makes the calls the bot returns in webhook responses


def bot_settings(
    tmp_path: Path,
    rasa_url: str,
    telegram_api: TelegramStandIn,
    line_api: LineStandIn,
    **overrides: object,
) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}",
        "rasa_url": rasa_url,
        "telegram_token": telegram_api.token,
        "telegram_base_url": telegram_api.base_url,
        "telegram_webhook_url": "https://bot.example.org/telegram/webhook",
        "telegram_secret_token": SECRET_TOKEN,
        "line_channel_secret": line_api.channel_secret,
        "line_channel_access_token": line_api.channel_access_token,
        "line_api_host": line_api.host,
        "max_body_bytes": 200_000,
        "events_file": "",  # the tests bring their own events, not the examples
    }
    values.update(overrides)
    return load_settings(**values)


async def start_bot(settings: Settings, telegram_api: TelegramStandIn) -> AsyncIterator[RunningBot]:
    async with running_app(settings) as app:
        web = build_web_app(app, telegram_secret=SECRET_TOKEN)
        async with StandInServer(web) as server, httpx.AsyncClient(base_url=server.url) as http:
            yield RunningBot(app, server.url, http, telegram_api)


@pytest.fixture
async def webhook_bot(
    tmp_path: Path, rasa_url: str, telegram_api: TelegramStandIn, line_api: LineStandIn
) -> AsyncIterator[RunningBot]:
    """Telegram by webhook and LINE, one ASGI app on a real port."""
    async for bot in start_bot(
        bot_settings(tmp_path, rasa_url, telegram_api, line_api), telegram_api
    ):
        yield bot


@pytest.fixture
async def polling_bot(
    tmp_path: Path, rasa_url: str, telegram_api: TelegramStandIn, line_api: LineStandIn
) -> AsyncIterator[RunningBot]:
    """Telegram by long polling."""
    settings = bot_settings(tmp_path, rasa_url, telegram_api, line_api, telegram_webhook_url=None)
    async for bot in start_bot(settings, telegram_api):
        yield bot


@pytest.fixture
async def staff_bot(
    tmp_path: Path, rasa_url: str, telegram_api: TelegramStandIn, line_api: LineStandIn
) -> AsyncIterator[RunningBot]:
    """The webhook bot with a staff chat on Telegram and one staff member."""
    settings = bot_settings(
        tmp_path,
        rasa_url,
        telegram_api,
        line_api,
        telegram_staff_chat_id=STAFF_CHAT,
        staff_ids=[f"telegram:{STAFF_MEMBER}"],
    )
    async for bot in start_bot(settings, telegram_api):
        yield bot


def events_file(ids: list[str], first: datetime) -> str:
    """An events file (every text in all seven languages) of events a week apart, in Bangkok
    time, the first at `first`; titled "Forum <id> (en)" in English."""
    lines = []
    for n, event_id in enumerate(ids):
        starts = first + timedelta(days=7 * n)
        lines += [
            f"- id: {event_id}",
            "  category: forum",
            "  country: TH",
            "  timezone: Asia/Bangkok",
            f"  starts: {starts:%Y-%m-%dT%H:%M}",
            f"  ends: {starts + timedelta(hours=3):%Y-%m-%dT%H:%M}",
        ]
        for field in ("title", "summary", "place"):
            lines.append(f"  {field}:")
            for lang in LANGUAGES:
                text = (
                    f"Forum {event_id}"
                    if (field, lang) == ("title", "en")
                    else f"{field} {event_id}"
                )
                lines.append(f"    {lang}: {text} ({lang})")
    return "\n".join(lines) + "\n"


def sent_to(chat_id: int) -> Callable[[Json], bool]:
    """Matches what the bot sent to a Telegram chat."""
    return lambda sent: str(sent.get("chat_id")) == str(chat_id)


async def post_telegram(
    bot: RunningBot,
    update: Json | None = None,
    *,
    body: str | None = None,
    secret: str = SECRET_TOKEN,
) -> int:
    """POST an update (or a raw JSON body) to the bot's Telegram webhook; the HTTP status."""
    response = await bot.http.post(
        "/telegram/webhook",
        content=json.dumps(update) if body is None else body,
        headers={"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"},
    )
    await bot.telegram_api.webhook_response(response.status_code, response.content)
    return response.status_code


async def post_line(
    bot: RunningBot,
    line_api: LineStandIn,
    events: list[Json] | None = None,
    *,
    body: bytes | None = None,
    signature: str | None = None,
) -> int:
    """POST events (or a raw body), signed with the channel secret, to the LINE webhook."""
    body = webhook_body(events or []) if body is None else body
    headers = {
        "Content-Type": "application/json",
        "X-Line-Signature": signature or sign(body, line_api.channel_secret),
    }
    response = await bot.http.post("/line/webhook", content=body, headers=headers)
    return response.status_code


async def handoff_recorded(bot: RunningBot, forwarded: Json) -> None:
    """Wait until the bot has recorded that its forward reached the staff chat (after the send)."""
    message_id = str(forwarded["result"]["message_id"])
    for _ in range(100):
        async with bot.app.db.session() as session:
            if await repo.handoff_user(session, str(STAFF_CHAT), message_id) is not None:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the forward to staff was never recorded")


def staff_reply(telegram_api: TelegramStandIn, forwarded: Json, text: str) -> Json:
    """The staff member's reply, in the staff chat, to a forwarded question."""
    return telegram_api.text_update(
        STAFF_CHAT,
        text,
        chat_type="supergroup",
        user_id=STAFF_MEMBER,
        reply_to=forwarded["result"]["message_id"],
    )
