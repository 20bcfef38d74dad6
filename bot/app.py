"""The bot's parts, built from settings and started and stopped together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from actions.base import StaffDesk
from actions.knowledge import Knowledge
from bot.dispatcher import Dispatcher
from bot.i18n import Catalog
from bot.settings import Settings
from bot.storage.database import Database
from nlu.client import NluClient
from nlu.server import LocalRasaServer

logger = logging.getLogger(__name__)


@dataclass
class Core:
    """Storage, NLU and the dispatcher: what every channel shares."""

    settings: Settings
    db: Database
    nlu: NluClient
    dispatcher: Dispatcher
    rasa_server: LocalRasaServer | None = None


@asynccontextmanager
async def running_core(
    settings: Settings, *, staff_desk: StaffDesk | None = None
) -> AsyncIterator[Core]:
    """Migrate the database, reach (or start) Rasa, build the dispatcher; clean up after."""
    db = Database(settings.database_url)
    await db.migrate()
    server = None
    url = settings.rasa_url
    if url is None:
        server = LocalRasaServer()
        logger.info("starting a local Rasa server (first run trains the model)")
        url = await asyncio.to_thread(server.start)
    token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    nlu = NluClient(url, token=token)
    dispatcher = Dispatcher(
        db,
        nlu,
        Catalog.load(),
        Knowledge.load(),
        staff_desk=staff_desk,
        default_language=settings.default_language,
        staff_ids=frozenset(settings.staff_ids),
    )
    try:
        yield Core(settings, db, nlu, dispatcher, server)
    finally:
        await nlu.aclose()
        await db.dispose()
        if server is not None:
            await asyncio.to_thread(server.stop)
