"""Fixtures of the bot's environment (imported by tests/conftest.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from actions.knowledge import Knowledge
from bot.core.i18n import Catalog
from bot.core.ports import SystemClock
from bot.dispatcher import Dispatcher
from bot.storage.database import Database
from nlu.client import NluClient
from nlu.server import LocalRasaServer
from tests.standins.line import LineStandIn
from tests.standins.telegram import TelegramStandIn

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def rasa_url() -> Iterator[str]:
    """A Rasa server with the model trained from data/ and config.yml (RASA_URL to reuse one)."""
    if os.environ.get("RASA_URL"):
        yield os.environ["RASA_URL"]
        return
    with LocalRasaServer() as server:
        yield server.url


@pytest.fixture
async def nlu(rasa_url: str) -> AsyncIterator[NluClient]:
    client = NluClient(rasa_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def texts() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return Knowledge.load()


async def _on_server(statement: str) -> None:
    """Run one statement on the PostgreSQL test server's maintenance database."""
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _fresh_postgres_database() -> str:
    """A new, empty PostgreSQL database on the test server; its URL."""
    name = f"glm_test_{uuid.uuid4().hex[:12]}"
    await _on_server(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(database_url: str) -> None:
    await _on_server(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    url = await _fresh_postgres_database()
    yield url
    await _drop_postgres_database(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'bot.db'}")
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
def dispatcher(
    sqlite_db: Database, nlu: NluClient, texts: Catalog, knowledge: Knowledge
) -> Dispatcher:
    """The dispatcher alone: its replies are written to the outbox, nothing sends them."""
    return Dispatcher(sqlite_db, nlu, texts, knowledge, SystemClock())


@pytest.fixture
async def telegram_api() -> AsyncIterator[TelegramStandIn]:
    """The stand-in Telegram Bot API on 127.0.0.1."""
    async with TelegramStandIn() as api:
        yield api


@pytest.fixture
async def line_api() -> AsyncIterator[LineStandIn]:
    """The stand-in LINE Messaging API on 127.0.0.1."""
    async with LineStandIn() as api:
        yield api
