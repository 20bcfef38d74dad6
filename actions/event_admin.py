"""What staff do with events (command line and staff commands): import, list, cancel."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions import event_reminders
from actions.event_cards import EventsConfig
from actions.event_file import EventSpec
from bot.core.i18n import Catalog
from bot.storage import events
from bot.storage.events import ADDED, CANCELLED, CHANGED, UNCHANGED, aware

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """Event ids by what the import did to them, and how many people were told."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # the cancelled ones too
    unchanged: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)  # changed by this import to cancelled
    notified: int = 0

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, changed {len(self.changed)}, "
            f"unchanged {len(self.unchanged)}; {self.notified} people notified"
        )


async def import_events(
    session: AsyncSession,
    texts: Catalog,
    config: EventsConfig,
    specs: Sequence[EventSpec],
    now: datetime,
) -> ImportReport:
    """Add or update every event of a checked file, in one transaction.

    A new event is announced to its category's followers; a change of time or place tells
    the event's followers and moves their reminders; a cancellation withdraws them.
    """
    report = ImportReport()
    for spec in specs:
        outcome, event, before = await events.upsert(session, spec.id, spec.columns(), now)
        if outcome == ADDED:
            report.added.append(event.id)
            report.notified += await event_reminders.announce(session, texts, config, event, now)
        elif outcome == CHANGED:
            report.changed.append(event.id)
            if event.status == CANCELLED and before["status"] != CANCELLED:
                report.cancelled.append(event.id)
                report.notified += await event_reminders.notify_cancel(
                    session, texts, config, event, now
                )
            elif event.status != CANCELLED:
                report.notified += await event_reminders.notify_change(
                    session, texts, config, event, before, now
                )
                await event_reminders.reschedule(session, texts, config, event, now)
        else:
            assert outcome == UNCHANGED
            report.unchanged.append(event.id)
    logger.info("events imported: %s", report.summary())
    return report


async def import_if_none(
    session: AsyncSession,
    texts: Catalog,
    config: EventsConfig,
    specs: Sequence[EventSpec],
    now: datetime,
) -> ImportReport | None:
    """Import the events only while there are none at all (a fresh install); else None.

    Staff's own imports and cancellations are never overwritten: once any event is stored,
    this does nothing.
    """
    if not await events.none_yet(session):
        return None
    return await import_events(session, texts, config, specs, now)


async def cancel_event(
    session: AsyncSession,
    texts: Catalog,
    config: EventsConfig,
    event_id: str,
    reason: str | None,
    now: datetime,
) -> int | None:
    """Cancel an event and tell its followers; how many were told, None when no such event."""
    event = await events.get(session, event_id)
    if event is None:
        return None
    if not await events.cancel(session, event, reason, now):
        return 0
    return await event_reminders.notify_cancel(session, texts, config, event, now)


async def listing(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Upcoming events (cancelled ones too) with their number of followers."""
    upcoming = await events.upcoming(session, now, include_cancelled=True)
    counts = await events.audience_counts(session, upcoming)
    return [
        {
            "id": event.id,
            "category": event.category,
            "country": event.country,
            "timezone": event.timezone,
            "starts": event.starts_local.isoformat(timespec="minutes"),
            "starts_at": aware(event.starts_at).isoformat(timespec="minutes"),
            "status": event.status,
            "version": event.version,
            "subscribers": counts[event.id],
            "title": event.title.get("en", ""),
        }
        for event in upcoming
    ]


def format_listing(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no upcoming events"
    return "\n".join(
        f"{row['id']}  {row['starts']} {row['timezone']}  {row['category']}  "
        f"{row['status']} v{row['version']}  {row['subscribers']} subscribers"
        for row in rows
    )
