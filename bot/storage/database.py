"""The database: an async engine, sessions, and migrations to the newest schema."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.models import ProcessedUpdate, utcnow

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _begin_immediate below, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs at checkpoints, not every commit: a process crash or restart loses
    # nothing; only a power cut may lose the last transactions.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Every SQLite transaction takes the write lock first: a claim's read and write are one."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def async_url(url: str) -> str:
    """The URL with an async driver: sqlite → aiosqlite, postgresql → asyncpg."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


class Database:
    """One database, by URL (SQLite file or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        if self.url.startswith("sqlite"):
            database = make_url(self.url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A server connection may drop while idle; a SQLite file's cannot (no ping per session).
        self.engine: AsyncEngine = create_async_engine(
            self.url, pool_pre_ping=not self.url.startswith("sqlite")
        )
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
            event.listen(self.engine.sync_engine, "begin", _begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; taking turns here is faster than its busy-wait.
        self._turns = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self, revision: str = "head") -> None:
        """Bring the schema to `revision` with Alembic."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)

    async def downgrade(self, revision: str) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_downgrade, revision)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed at the end, rolled back on error."""
        if self._turns is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._turns, self.sessions() as session, session.begin():
            yield session

    async def writable(self, timeout: float = 1.0) -> bool:
        """True when a row can be written (in a transaction rolled back), within timeout."""

        async def write() -> None:
            async with self.engine.connect() as connection, connection.begin() as transaction:
                await connection.execute(
                    insert(ProcessedUpdate).values(
                        channel="health", update_id="health", processed_at=utcnow()
                    )
                )
                await transaction.rollback()

        try:
            await asyncio.wait_for(write(), timeout)
            return True
        except Exception:
            logger.warning("the database cannot be written", exc_info=True)
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(_config(connection), revision)
