"""Stored images (survey charts) in the database, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import images
from bot.storage.database import Database
from bot.storage.models import utcnow

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # every byte value, 10 KB


async def test_an_image_comes_back_byte_for_byte_from_another_connection(db: Database) -> None:
    now = utcnow()
    async with db.session() as session:
        first = await images.add(session, PNG, now)
        second = await images.add(session, PNG[::-1], now)
    other = Database(db.url)
    try:
        async with other.session() as session:
            found = await images.contents(session, [second, first, first, 999])
    finally:
        await other.dispose()
    assert found == {first: PNG, second: PNG[::-1]}


async def test_images_older_than_a_week_go_when_a_new_one_comes(db: Database) -> None:
    now = utcnow()
    async with db.session() as session:
        old = await images.add(session, b"old", now - images.KEEP - timedelta(minutes=1))
        recent = await images.add(session, b"recent", now - timedelta(days=1))
        new = await images.add(session, b"new", now)
        assert await images.contents(session, []) == {}
    async with db.session() as session:
        assert await images.contents(session, [old, recent, new]) == {
            recent: b"recent",
            new: b"new",
        }
