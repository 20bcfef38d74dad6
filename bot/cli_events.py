"""`python -m bot events import FILE | list [--json] | cancel ID [--reason TEXT]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from actions import event_admin
from actions.event_cards import EventsConfig
from actions.event_file import EventFileError, load
from bot.core.i18n import Catalog
from bot.core.ports import SystemClock
from bot.core.settings import Settings
from bot.storage.database import Database


async def import_file(settings: Settings, path: Path) -> int:
    """Import an events file whole (exit 2 with every problem), print what it did."""
    try:
        specs = load(path)
    except EventFileError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{path}: {error.strerror}", file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            report = await event_admin.import_events(
                session,
                Catalog.load(),
                EventsConfig.from_settings(settings),
                specs,
                SystemClock().now(),
            )
    finally:
        await db.dispose()
    for label, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("unchanged", report.unchanged),
    ):
        for event_id in ids:
            print(f"{label:<9} {event_id}")
    print(report.summary())
    return 0


async def list_events(settings: Settings, as_json: bool) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            rows = await event_admin.listing(session, SystemClock().now())
    finally:
        await db.dispose()
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(event_admin.format_listing(rows))
    return 0


async def cancel(settings: Settings, event_id: str, reason: str | None) -> int:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        async with db.session() as session:
            told = await event_admin.cancel_event(
                session,
                Catalog.load(),
                EventsConfig.from_settings(settings),
                event_id,
                reason,
                SystemClock().now(),
            )
    finally:
        await db.dispose()
    if told is None:
        print(f"no event {event_id!r}", file=sys.stderr)
        return 1
    print(f"{event_id}: cancelled; {told} people notified")
    return 0
