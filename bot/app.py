"""The composition root: every part of the bot, built bottom-up from settings, started and
stopped together. Nothing is attached to a part after it is built.

    storage → NLU → senders (Telegram, LINE, console) → outbox worker (and the ticks that feed
    it: events, broadcast progress) → dispatcher → receivers
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from linebot.v3.webhook import WebhookParser
from sqlalchemy.exc import IntegrityError

from actions import event_admin, event_file
from actions.base import StaffDesk
from actions.event_cards import EventsConfig
from actions.knowledge import Knowledge
from actions.registry import ON_SENT
from bot.channels import line as line_channel
from bot.channels import telegram as telegram_channel
from bot.console import CHANNEL as CONSOLE
from bot.console import ConsoleSender
from bot.core.i18n import Catalog
from bot.core.ports import Clock, Sender, SystemClock
from bot.core.settings import Settings
from bot.dispatcher import Dispatcher
from bot.storage import events
from bot.storage.database import Database
from nlu.client import NluClient
from nlu.server import LocalRasaServer
from scheduler.broadcast_progress import BroadcastProgress
from scheduler.delivery import DeliveryConfig, DeliveryWorker
from scheduler.event_sweeper import EventSweeper

logger = logging.getLogger(__name__)


@dataclass
class App:
    """The running bot's parts, for the server, the console and tests."""

    settings: Settings
    db: Database
    nlu: NluClient
    worker: DeliveryWorker
    dispatcher: Dispatcher
    telegram: telegram_channel.TelegramReceiver | None = None
    line: line_channel.LineReceiver | None = None
    console: ConsoleSender | None = None


def staff_desk(settings: Settings) -> StaffDesk:
    chat = settings.telegram_staff_chat_id
    return StaffDesk(
        channel="telegram" if chat is not None else None,
        chat_id=str(chat) if chat is not None else None,
        members=frozenset(settings.staff_ids),
    )


def delivery_config(settings: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        budgets={
            "telegram": settings.telegram_bulk_rate,
            "line": settings.line_bulk_rate,
            CONSOLE: 100.0,
        },
        lease=timedelta(seconds=settings.delivery_lease_seconds),
        tick_seconds=settings.delivery_tick_seconds,
    )


async def import_first_events(
    db: Database, settings: Settings, texts: Catalog, clock: Clock
) -> None:
    """A fresh install lists the example events: while no event was ever stored, the events
    file (EVENTS_FILE, default data/events.yml) is imported. Once any event is stored (staff
    imported or cancelled some) this does nothing. A file that cannot be used is logged with
    every problem and the bot starts without it.
    """
    path = settings.events_path
    if path is None:
        return
    async with db.session() as session:
        if not await events.none_yet(session):
            return
    try:
        specs = event_file.load(path)
    except event_file.EventFileError as error:
        logger.error(
            "no events yet, and %s was not imported (%d problems):\n%s",
            path,
            len(error.problems),
            "\n".join(error.problems),
        )
        return
    except OSError as error:
        logger.error("no events yet, and %s was not imported: %s", path, error.strerror)
        return
    config = EventsConfig.from_settings(settings)
    try:
        async with db.session() as session:
            report = await event_admin.import_if_none(session, texts, config, specs, clock.now())
    except IntegrityError:  # another bot process on this database imported them meanwhile
        logger.info("the events of %s were imported by another process", path)
        return
    if report is not None:
        logger.info("no events yet: imported %s (%s)", path, report.summary())


@asynccontextmanager
async def running_app(
    settings: Settings,
    *,
    console: TextIO | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[App]:
    """Build and start everything the settings ask for; stop it all in reverse order.

    console: a stream to chat on (the console channel); Telegram and LINE when configured.
    """
    clock = clock or SystemClock()
    async with AsyncExitStack() as stack:
        db = Database(settings.database_url)
        stack.push_async_callback(db.dispose)
        await db.migrate()

        url = settings.rasa_url
        if url is None:
            server = LocalRasaServer()
            logger.info("starting a local Rasa server (first run trains the model)")
            model = await asyncio.to_thread(server.project.train)
            server.launch(model)  # from this thread: the server dies with the bot, even by SIGKILL
            stack.push_async_callback(asyncio.to_thread, server.stop)
            url = await asyncio.to_thread(server.wait_ready)
        token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
        nlu = NluClient(
            url,
            token=token,
            connect_timeout=settings.rasa_connect_timeout,
            read_timeout=settings.rasa_read_timeout,
        )
        stack.push_async_callback(nlu.aclose)
        texts, knowledge = Catalog.load(), Knowledge.load()

        senders: dict[str, Sender] = {}
        bulk_senders: dict[str, Sender] = {}
        application = None
        outbox_config = delivery_config(settings)
        if settings.telegram_enabled:
            assert settings.telegram_token is not None
            bot_token = settings.telegram_token.get_secret_value()
            application = telegram_channel.build_application(
                bot_token,
                base_url=settings.telegram_base_url,
                polling=settings.telegram_webhook_url is None,
                max_rate=settings.telegram_max_rate,
                connections=outbox_config.reply_concurrency + 4,
            )
            await application.initialize()
            stack.push_async_callback(application.shutdown)
            bulk_bot = telegram_channel.build_bulk_bot(
                bot_token, base_url=settings.telegram_base_url
            )
            await bulk_bot.initialize()
            stack.push_async_callback(bulk_bot.shutdown)
            senders["telegram"] = telegram_channel.TelegramSender(application.bot)
            bulk_senders["telegram"] = telegram_channel.TelegramSender(bulk_bot)
        line_api = None
        if settings.line_enabled:
            assert settings.line_channel_access_token is not None
            client, line_api = line_channel.build_api(
                settings.line_channel_access_token.get_secret_value(), settings.line_api_host
            )
            stack.push_async_callback(client.close)
            senders["line"] = line_channel.LineSender(line_api)
        console_sender = None
        if console is not None:
            console_sender = ConsoleSender(console)
            senders[CONSOLE] = console_sender

        worker = DeliveryWorker(
            db,
            senders,
            clock,
            outbox_config,
            on_sent=ON_SENT,
            bulk_senders=bulk_senders,
        )
        staff = staff_desk(settings)
        dispatcher = Dispatcher(
            db,
            nlu,
            texts,
            knowledge,
            clock,
            worker,
            staff=staff,
            default_language=settings.default_language,
            settings=settings,
        )
        app = App(settings, db, nlu, worker, dispatcher, console=console_sender)
        if application is not None:
            app.telegram = telegram_channel.TelegramReceiver(
                application,
                dispatcher,
                db,
                staff=staff,
                webhook=settings.telegram_webhook_url is not None,
            )
        if line_api is not None:
            assert settings.line_channel_secret is not None
            parser = WebhookParser(settings.line_channel_secret.get_secret_value())
            app.line = line_channel.LineReceiver(parser, line_api, dispatcher, db)

        await import_first_events(db, settings, texts, clock)
        # Before the worker: reminders of events that started during downtime are not sent.
        sweeper = EventSweeper(
            db, clock, settings.events_sweep_seconds, texts, EventsConfig.from_settings(settings)
        )
        await sweeper.start()
        stack.push_async_callback(sweeper.stop)
        await worker.start()
        stack.push_async_callback(worker.stop, settings.shutdown_grace_seconds)
        progress = BroadcastProgress(
            db,
            clock,
            worker.kick,
            progress_seconds=settings.broadcast_progress_seconds,
            tick_seconds=settings.delivery_tick_seconds,
        )
        await progress.start()
        stack.push_async_callback(progress.stop)
        if application is not None:
            await _start_telegram(application, settings, texts)
            stack.push_async_callback(_stop_telegram, application)
        yield app


async def _start_telegram(
    application: telegram_channel.TelegramApp, settings: Settings, texts: Catalog
) -> None:
    await telegram_channel.register_commands(application.bot, texts)
    if settings.telegram_webhook_url is None:
        await application.bot.delete_webhook()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=telegram_channel.ALLOWED_UPDATES)
    else:
        secret = settings.telegram_secret_token
        await application.bot.set_webhook(
            settings.telegram_webhook_url,
            allowed_updates=telegram_channel.ALLOWED_UPDATES,
            secret_token=secret.get_secret_value() if secret else None,
        )
    await application.start()


async def _stop_telegram(application: telegram_channel.TelegramApp) -> None:
    """Stop taking updates (polling) and finish the ones being handled."""
    if application.updater and application.updater.running:
        await application.updater.stop()
    await application.stop()


async def run_console(settings: Settings, stdin: TextIO = sys.stdin) -> None:
    """A console chat on the bot's dispatcher and outbox (Telegram and LINE too if configured)."""
    from bot.console import chat

    async with running_app(settings, console=sys.stdout) as app:
        assert app.console is not None
        await chat(app.dispatcher, app.worker, app.console, stdin)
