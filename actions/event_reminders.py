"""Reminders, change notices and announcements of events, as outbox rows (bulk lane).

Every row is written in the transaction that caused it, with a dedupe key holding the event's
version, and its `ref` is the event id:
- reminders `reminder:<event>:v<version>:<minutes>:<user>`, due `minutes` before the start,
  moved out of the person's quiet hours (to the nearer edge, never at or after the start);
- a change of time or place `change:<event>:v<version>:<user>`; a cancellation
  `cancel:<event>:<user>`; a new event of a followed category `announce:<event>:<user>`.
When an event changes, its pending reminders of the old version are cancelled and the new
version's added; when it is cancelled they are cancelled. Reminders still pending when their
event starts are withdrawn by scheduler/event_sweeper.py.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions.event_cards import (
    EventsConfig,
    card_text,
    in_language,
    language_and_zone,
    person_zone,
    place_of,
    time_change,
    when,
)
from bot.core.event_payloads import AddToCalendar, EventDetails
from bot.core.i18n import Catalog
from bot.core.localtime import quiet_edges
from bot.core.messages import Button, Reply
from bot.storage import events, outbox
from bot.storage.events import ANNOUNCEMENT, NOTICE, REMINDER, aware
from bot.storage.models import Delivery, Event, User

logger = logging.getLogger(__name__)


def _group(*parts: object) -> str:
    """A group key (LINE multicast of identical rows) of at most 64 characters."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:40]


def reminder_due(
    start: datetime, minutes: int, tz: str, now: datetime, config: EventsConfig
) -> datetime | None:
    """When the reminder `minutes` before start goes out for a person in tz; None: not at all.

    Inside quiet hours it moves to the nearer edge, or the other one when the nearer is not
    between now and the start.
    """
    due = start - timedelta(minutes=minutes)
    edges = quiet_edges(due, tz, config.quiet_start, config.quiet_end)
    candidates = [due] if edges is None else sorted(edges, key=lambda edge: abs(edge - due))
    for candidate in candidates:
        if now <= candidate < start:
            return candidate
    return None


def _buttons(texts: Catalog, lang: str, event: Event) -> tuple[Button, ...]:
    return (
        Button(texts.get(lang, "btn.event_details"), EventDetails(event.id).pack()),
        Button(texts.get(lang, "btn.event_calendar"), AddToCalendar(event.id).pack()),
    )


def _reminder_key(event: Event, minutes: int, user: User) -> str:
    return f"reminder:{event.id}:v{event.version}:{minutes}:{user.id}"


def _planned(config: EventsConfig, event: Event, user: User, now: datetime) -> dict[int, datetime]:
    """When each of the person's reminders of the event goes out, by offset (minutes).

    An offset is absent when its reminder cannot come between now and the start outside the
    quiet hours, or would come at the same instant as an earlier offset's.
    """
    tz, start = person_zone(user, config.default_zone), aware(event.starts_at)
    planned: dict[int, datetime] = {}
    for minutes in config.offsets_minutes:
        due = reminder_due(start, minutes, tz, now, config)
        if due is not None and due not in planned.values():
            planned[minutes] = due
    return planned


def _reminder(
    texts: Catalog, config: EventsConfig, event: Event, user: User, minutes: int
) -> tuple[list[Reply], str]:
    """The reminder as the person reads it (their language, times in their zone); its group."""
    lang, tz = language_and_zone(user, config)
    key = "events.reminder_day" if minutes >= 720 else "events.reminder_soon"
    text = f"{texts.get(lang, key)}\n\n{card_text(texts, event, lang, tz, details=False)}"
    group = _group("r", event.id, event.version, minutes, lang, tz)
    return [Reply(text, _buttons(texts, lang, event))], group


async def schedule(
    session: AsyncSession,
    texts: Catalog,
    config: EventsConfig,
    event: Event,
    user: User,
    now: datetime,
) -> int:
    """Queue the person's reminders of the event's current version; how many were added."""
    if user.blocked or event.status != events.SCHEDULED:
        return 0
    added = 0
    for minutes, due in _planned(config, event, user, now).items():
        replies, group = _reminder(texts, config, event, user, minutes)
        key = _reminder_key(event, minutes, user)
        row = await outbox.add(
            session,
            kind=REMINDER,
            channel=user.channel,
            chat_id=user.chat_id,
            replies=replies,
            due_at=due,
            lane=outbox.BULK,
            user_id=user.id,
            dedupe_key=key,
            group_key=group,
            ref=event.id,
        )
        # Asked for again after stopping: the withdrawn reminder comes back (never a sent one).
        added += row is not None or await outbox.revive(
            session, key, due_at=due, replies=replies, group_key=group
        )
    return added


async def follow_person(
    session: AsyncSession, texts: Catalog, config: EventsConfig, user: User, now: datetime
) -> int:
    """The person's language or time zone changed: their pending reminders are recomputed;
    how many.

    Each reminder not yet sent gets its instant in their zone (quiet hours are local) and its
    text in their language with the times in their zone; one that is already due keeps its
    instant (it is being sent). A reminder that has no time left in the new zone is
    withdrawn, and one the new zone allows where the old did not is added.
    """
    pending: dict[str, list[Delivery]] = {}
    for row in await outbox.pending_of(session, user.id, REMINDER):
        if row.ref is not None:
            pending.setdefault(row.ref, []).append(row)
    changed = 0
    for event_id, rows in pending.items():
        event = await events.get(session, event_id)
        if event is None or event.status != events.SCHEDULED:
            continue  # withdrawn by the cancellation or the sweeper
        planned = _planned(config, event, user, now)
        offsets = {
            _reminder_key(event, minutes, user): minutes for minutes in config.offsets_minutes
        }
        for row in rows:
            minutes = offsets.get(row.dedupe_key or "")
            if minutes is None:
                continue  # not one of the current version's reminders
            replies, group = _reminder(texts, config, event, user, minutes)
            if aware(row.due_at) <= now:
                due: datetime | None = aware(row.due_at)
            else:
                due = planned.get(minutes)
            if due is None:
                changed += await outbox.cancel(session, row.id, "no time left in the new zone")
            else:
                changed += await outbox.revise(
                    session, row.id, due_at=due, replies=replies, group_key=group
                )
        changed += await schedule(session, texts, config, event, user, now)
    if changed:
        logger.info("user %d changed language or zone: %d reminders recomputed", user.id, changed)
    return changed


async def reschedule(
    session: AsyncSession, texts: Catalog, config: EventsConfig, event: Event, now: datetime
) -> int:
    """The event changed: cancel its pending reminders, queue the new version's for all."""
    await events.withdraw(session, event.id, f"event changed (version {event.version})")
    added = 0
    for user in await events.audience(session, event):
        added += await schedule(session, texts, config, event, user, now)
    return added


async def _notice(
    session: AsyncSession,
    user: User,
    text: str,
    buttons: tuple[Button, ...],
    dedupe_key: str,
    group: str,
    event: Event,
    now: datetime,
    kind: str = NOTICE,
) -> bool:
    row = await outbox.add(
        session,
        kind=kind,
        channel=user.channel,
        chat_id=user.chat_id,
        replies=[Reply(text, buttons)],
        due_at=now,
        lane=outbox.BULK,
        user_id=user.id,
        dedupe_key=dedupe_key,
        group_key=_group(group, event.id, event.version),
        ref=event.id,
    )
    return row is not None


async def notify_change(
    session: AsyncSession,
    texts: Catalog,
    config: EventsConfig,
    event: Event,
    before: dict[str, Any],
    now: datetime,
) -> int:
    """Tell the event's followers what changed in time or place ("14:00 → 15:00"); how many."""
    time_changed = aware(before["starts_at"]) != aware(event.starts_at) or aware(
        before["ends_at"]
    ) != aware(event.ends_at)
    place_changed = (before.get("place") or {}) != (event.place or {}) or before.get(
        "online_url"
    ) != event.online_url
    if not (time_changed or place_changed) or event.status != events.SCHEDULED:
        return 0
    told = 0
    for user in await events.audience(session, event):
        lang, tz = language_and_zone(user, config)
        # The place as this person reads it: a change in another language's text is none.
        old = in_language(before.get("place") or {}, lang) or before.get("online_url") or "—"
        new = place_of(event, lang) or "—"
        if not time_changed and old == new:
            continue
        lines = [texts.get(lang, "events.changed", title=in_language(event.title, lang))]
        if time_changed:
            lines.append(
                f"🕘 {time_change(before['starts_at'], before['ends_at'], event, tz, lang)}"
            )
        if old != new:
            lines.append(f"📍 {old} → {new}")
        told += await _notice(
            session,
            user,
            "\n".join(lines),
            _buttons(texts, lang, event),
            f"change:{event.id}:v{event.version}:{user.id}",
            f"change:{lang}:{tz}",
            event,
            now,
        )
    return told


async def notify_cancel(
    session: AsyncSession, texts: Catalog, config: EventsConfig, event: Event, now: datetime
) -> int:
    """Withdraw the event's reminders and tell its followers it is cancelled; how many."""
    await events.withdraw(session, event.id, "event cancelled")
    told = 0
    for user in await events.audience(session, event):
        lang, tz = language_and_zone(user, config)
        text = texts.get(
            lang,
            "events.cancelled",
            title=in_language(event.title, lang),
            when=when(event, tz, lang),
        )
        if event.cancel_reason:
            text = f"{text}\n{event.cancel_reason}"
        told += await _notice(
            session, user, text, (), f"cancel:{event.id}:{user.id}", f"cancel:{lang}", event, now
        )
    return told


async def announce(
    session: AsyncSession, texts: Catalog, config: EventsConfig, event: Event, now: datetime
) -> int:
    """A new event: announce it once to its category's followers, queue everyone's reminders."""
    if event.status != events.SCHEDULED or aware(event.starts_at) <= now:
        return 0
    told = 0
    for user in await events.audience(session, event):
        lang, tz = language_and_zone(user, config)
        text = (
            f"{texts.get(lang, 'events.announce')}\n\n"
            f"{card_text(texts, event, lang, tz, details=True)}"
        )
        told += await _notice(
            session,
            user,
            text,
            _buttons(texts, lang, event),
            f"announce:{event.id}:{user.id}",
            f"announce:{lang}:{tz}",
            event,
            now,
            kind=ANNOUNCEMENT,
        )
        await schedule(session, texts, config, event, user, now)
    return told
