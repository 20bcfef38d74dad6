"""One ASGI app for Telegram's and LINE's webhooks and /healthz; Telegram polling otherwise."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.app import Core, running_core
from bot.channels.line import BadSignature, LineChannel
from bot.channels.telegram import ALLOWED_UPDATES, TelegramChannel, build_application
from bot.i18n import Catalog
from bot.settings import Settings

logger = logging.getLogger(__name__)


class BodyTooLarge(ValueError):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than limit bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return body


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def build_web_app(
    core: Core,
    telegram: TelegramChannel | None,
    line: LineChannel | None,
    *,
    telegram_secret: str | None = None,
) -> Starlette:
    """Routes: POST /telegram/webhook, POST /line/webhook, GET /healthz."""
    limit = core.settings.max_body_bytes

    async def telegram_webhook(request: Request) -> Response:
        if telegram is None:
            return Response(status_code=404)
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if telegram_secret is not None and not hmac.compare_digest(given, telegram_secret):
            return Response(status_code=403)
        if not _is_json(request):
            return Response(status_code=415)
        try:
            data = json.loads(await read_body(request, limit))
        except BodyTooLarge:
            return Response(status_code=413)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        try:
            update = Update.de_json(data, telegram.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return Response(status_code=400)
        await telegram.application.update_queue.put(update)
        return Response(status_code=200)

    async def line_webhook(request: Request) -> Response:
        if line is None:
            return Response(status_code=404)
        try:
            body = await read_body(request, limit)
            events = line.parse(body.decode("utf-8"), request.headers.get("x-line-signature"))
        except BodyTooLarge:
            return Response(status_code=413)
        except BadSignature:
            return Response(status_code=400)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            return Response(status_code=400)
        await line.handle_events(events)
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        database = await core.db.ping()
        nlu = await core.nlu.healthy()
        return JSONResponse(
            {"database": "ok" if database else "down", "nlu": "ok" if nlu else "down"},
            status_code=200 if database and nlu else 503,
        )

    return Starlette(
        routes=[
            Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
            Route("/line/webhook", line_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


@asynccontextmanager
async def running_channels(
    core: Core,
) -> AsyncIterator[tuple[TelegramChannel | None, LineChannel | None]]:
    """Start Telegram (polling or webhook) and LINE as configured; stop them afterwards."""
    settings = core.settings
    texts = Catalog.load()
    telegram = line = None
    if settings.line_enabled:
        assert settings.line_channel_secret and settings.line_channel_access_token
        line = LineChannel(
            settings.line_channel_secret.get_secret_value(),
            settings.line_channel_access_token.get_secret_value(),
            core.dispatcher,
            core.db,
            host=settings.line_api_host,
        )
        core.dispatcher.senders["line"] = line.send
    application: Any = None
    if settings.telegram_enabled:
        assert settings.telegram_token
        polling = settings.telegram_webhook_url is None
        application = build_application(
            settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_base_url,
            polling=polling,
            max_rate=settings.telegram_max_rate,
        )
        telegram = TelegramChannel(
            application,
            core.dispatcher,
            core.db,
            texts,
            staff_chat_id=settings.telegram_staff_chat_id,
        )
        core.dispatcher.senders["telegram"] = telegram.send
        core.dispatcher.staff_desk = telegram
        await application.initialize()
        await telegram.register_commands()
        if polling:
            await application.bot.delete_webhook()
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        else:
            secret = settings.telegram_secret_token
            await application.bot.set_webhook(
                settings.telegram_webhook_url,
                allowed_updates=ALLOWED_UPDATES,
                secret_token=secret.get_secret_value() if secret else None,
            )
        await application.start()
    try:
        yield telegram, line
    finally:
        if application is not None:
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()
            await application.shutdown()
        if line is not None:
            await line.close()


async def serve(settings: Settings) -> None:
    """Run the channels and the web server until interrupted."""
    async with running_core(settings) as core, running_channels(core) as (telegram, line):
        secret = settings.telegram_secret_token
        app = build_web_app(
            core, telegram, line, telegram_secret=secret.get_secret_value() if secret else None
        )
        config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning")
        server = uvicorn.Server(config)
        logger.info(
            "serving on %s:%d (telegram: %s, line: %s)",
            settings.host,
            settings.port,
            "on" if telegram else "off",
            "on" if line else "off",
        )
        await server.serve()
        await asyncio.sleep(0)
