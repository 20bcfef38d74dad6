"""One ASGI app for Telegram's and LINE's webhooks and /healthz.

A webhook answers 200 only once its update is handled and its replies are in the outbox: a bot
killed before that gets the update again from the platform, one killed after it sends the
replies when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections.abc import Generator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from actions.event_calendar import ics
from actions.event_cards import EventsConfig
from bot.app import App, running_app
from bot.channels.line import BadSignature
from bot.core.settings import Settings
from bot.storage import events

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


# Deeper JSON is refused (400): no webhook body nests anywhere near this, and json.loads
# raises RecursionError on a few thousand levels.
MAX_JSON_DEPTH = 64


def load_json(body: bytes) -> object:
    """The JSON document of a body; ValueError when it does not parse or nests too deep."""
    try:
        data: object = json.loads(body)
    except RecursionError as error:
        raise ValueError("JSON nested too deeply") from error
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValueError("JSON nested too deeply")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return data


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "application/json"


def build_web_app(app: App, *, telegram_secret: str | None = None) -> Starlette:
    """Routes: POST /telegram/webhook, POST /line/webhook, GET /healthz, GET /ics/<token>.ics."""
    limit = app.settings.max_body_bytes
    calendar = EventsConfig.from_settings(app.settings)

    async def telegram_webhook(request: Request) -> Response:
        telegram = app.telegram
        if telegram is None:
            return Response(status_code=404)
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if telegram_secret is not None and not hmac.compare_digest(given, telegram_secret):
            return Response(status_code=403)
        if not _is_json(request):
            return Response(status_code=415)
        try:
            data = load_json(await read_body(request, limit))
        except BodyTooLarge:
            return Response(status_code=413)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        try:
            update = Update.de_json(data, telegram.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return Response(status_code=400)
        await telegram.application.process_update(update)
        answer = telegram.webhook_answer(update)
        return JSONResponse(answer) if answer else Response(status_code=200)

    async def line_webhook(request: Request) -> Response:
        line = app.line
        if line is None:
            return Response(status_code=404)
        try:
            body = await read_body(request, limit)
            load_json(body)  # the SDK parses it again; this refuses what would nest too deep
            events = line.parse(body.decode("utf-8"), request.headers.get("x-line-signature"))
        except BodyTooLarge:
            return Response(status_code=413)
        except BadSignature:
            return Response(status_code=400)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
            return Response(status_code=400)
        await line.handle_events(events)
        return Response(status_code=200)

    async def healthz(request: Request) -> Response:
        database = await app.db.writable()
        nlu = await app.nlu.healthy()
        return JSONResponse(
            {"database": "ok" if database else "down", "nlu": "ok" if nlu else "down"},
            status_code=200 if database and nlu else 503,
        )

    async def event_calendar(request: Request) -> Response:
        """An event's .ics file, at the unguessable URL its "Add to calendar" button gives."""
        name = str(request.path_params["name"])
        found = calendar.read_token(name.removesuffix(".ics")) if name.endswith(".ics") else None
        if found is None:
            return Response(status_code=404)
        event_id, lang = found
        async with app.db.session() as session:
            event = await events.get(session, event_id)
        if event is None:
            return Response(status_code=404)
        return Response(
            ics(event, lang),
            media_type="text/calendar; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{event_id}.ics"'},
        )

    return Starlette(
        routes=[
            Route("/ics/{name}", event_calendar, methods=["GET"]),
            Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
            Route("/line/webhook", line_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn, but a stop signal only ends serving: the bot's own shutdown runs after it.

    (uvicorn re-raises a captured SIGTERM once it has stopped, which would kill the process
    before the outbox, the connections and the local Rasa server are stopped.) A second signal
    stops the web server at once; one during the rest of the shutdown kills the process.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            if self.should_exit:
                self.force_exit = True
            self.should_exit = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        try:
            yield
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


async def serve(settings: Settings) -> None:
    """Run the channels, the outbox and the web server until interrupted."""
    async with running_app(settings) as app:
        secret = settings.telegram_secret_token
        web = build_web_app(app, telegram_secret=secret.get_secret_value() if secret else None)
        # SIGTERM/SIGINT: uvicorn stops taking requests and lets those under way finish (within
        # the grace period); then running_app stops the outbox worker after its current sends,
        # closes the connections and stops the local Rasa server. A second signal: at once.
        config = uvicorn.Config(
            web,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        )
        server = _Server(config)
        logger.info(
            "serving on %s:%d (telegram: %s, line: %s)",
            settings.host,
            settings.port,
            "on" if app.telegram else "off",
            "on" if app.line else "off",
        )
        await server.serve()
