"""Queries of events and subscriptions, each in the caller's session (transaction)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import outbox
from bot.storage.models import Delivery, Event, Subscription, User

SCHEDULED, CANCELLED = "scheduled", "cancelled"
ADDED, CHANGED, UNCHANGED = "added", "changed", "unchanged"
# Outbox kinds of what the events feature sends (Delivery.ref holds the event id).
REMINDER, NOTICE, ANNOUNCEMENT = "reminder", "notice", "announcement"


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def get(session: AsyncSession, event_id: str) -> Event | None:
    return await session.get(Event, event_id)


async def none_yet(session: AsyncSession) -> bool:
    """True while no event was ever stored (a cancelled event stays stored)."""
    return (await session.scalar(select(Event.id).limit(1))) is None


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        if old.tzinfo is None and new.tzinfo is not None:
            old = old.replace(tzinfo=UTC)
        return bool(old == new)
    return bool(old == new)


async def upsert(
    session: AsyncSession, event_id: str, columns: Mapping[str, Any], now: datetime
) -> tuple[str, Event, dict[str, Any]]:
    """Add or update one event: (added | changed | unchanged, the event, its previous values).

    A change of any column increases the version.
    """
    event = await get(session, event_id)
    if event is None:
        event = Event(id=event_id, version=1, created_at=now, updated_at=now, **columns)
        session.add(event)
        await session.flush()
        return ADDED, event, {}
    before = {key: getattr(event, key) for key in columns}
    changed = {key for key, value in columns.items() if not _same(before[key], value)}
    if not changed:
        return UNCHANGED, event, before
    for key in changed:
        setattr(event, key, columns[key])
    if "status" in changed and columns["status"] == SCHEDULED:
        event.cancel_reason = None
    event.version += 1
    event.updated_at = now
    await session.flush()
    return CHANGED, event, before


async def cancel(session: AsyncSession, event: Event, reason: str | None, now: datetime) -> bool:
    """Mark the event cancelled (a new version); False when it already was."""
    if event.status == CANCELLED:
        return False
    event.status = CANCELLED
    event.cancel_reason = reason
    event.version += 1
    event.updated_at = now
    await session.flush()
    return True


async def upcoming(
    session: AsyncSession,
    now: datetime,
    *,
    category: str | None = None,
    country: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
    include_cancelled: bool = False,
) -> list[Event]:
    """Events that have not started (or start in [start, end)), soonest first."""
    query = select(Event).where(Event.starts_at >= max(now, start or now))
    if end is not None:
        query = query.where(Event.starts_at < end)
    if not include_cancelled:
        query = query.where(Event.status == SCHEDULED)
    if category is not None:
        query = query.where(Event.category == category)
    if country is not None:  # that country's events, and the regional ones
        query = query.where(or_(Event.country == country, Event.country.is_(None)))
    query = query.order_by(Event.starts_at, Event.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.scalars(query)).all())


def _audience_condition(event: Event) -> Any:
    return or_(Subscription.event_id == event.id, Subscription.category == event.category)


async def audience(session: AsyncSession, event: Event) -> list[User]:
    """Everyone who follows the event or its category and has not blocked the bot."""
    query = (
        select(User)
        .where(
            User.id.in_(select(Subscription.user_id).where(_audience_condition(event))),
            User.blocked.is_(False),
        )
        .order_by(User.id)
    )
    return list((await session.scalars(query)).all())


async def subscribers(session: AsyncSession, event: Event) -> list[User]:
    """Everyone who subscribed to the event itself (not only to its category) and has not
    blocked the bot."""
    query = (
        select(User)
        .where(
            User.id.in_(select(Subscription.user_id).where(Subscription.event_id == event.id)),
            User.blocked.is_(False),
        )
        .order_by(User.id)
    )
    return list((await session.scalars(query)).all())


async def ended_with_survey(session: AsyncSession, now: datetime) -> list[Event]:
    """Scheduled events with a survey that have ended and whose subscribers were not invited
    yet, first ended first; locked (another bot process skips them) until the commit."""
    query = (
        select(Event)
        .where(
            Event.survey.is_not(None),
            Event.status == SCHEDULED,
            Event.ends_at <= now,
            Event.survey_invited_at.is_(None),
        )
        .order_by(Event.ends_at, Event.id)
    )
    return list((await session.scalars(outbox.skip_locked(query, session))).all())


async def audience_counts(session: AsyncSession, events: Sequence[Event]) -> dict[str, int]:
    """How many people follow each event (directly or by its category)."""
    counts: dict[str, int] = {}
    for event in events:
        query = select(func.count(func.distinct(Subscription.user_id))).where(
            _audience_condition(event)
        )
        counts[event.id] = int((await session.scalar(query)) or 0)
    return counts


async def _insert_subscription(session: AsyncSession, values: dict[str, Any], key: str) -> bool:
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Subscription)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", key])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def follow_event(session: AsyncSession, user: User, event: Event, now: datetime) -> bool:
    """Subscribe user to event; False when they already were."""
    return await _insert_subscription(
        session, {"user_id": user.id, "event_id": event.id, "created_at": now}, "event_id"
    )


async def follow_category(session: AsyncSession, user: User, category: str, now: datetime) -> bool:
    """Subscribe user to every event of category; False when they already were."""
    return await _insert_subscription(
        session, {"user_id": user.id, "category": category, "created_at": now}, "category"
    )


async def follows(session: AsyncSession, user: User) -> list[tuple[Subscription, Event | None]]:
    """The user's subscriptions with their event (None for a category)."""
    rows = await session.execute(
        select(Subscription, Event)
        .outerjoin(Event, Event.id == Subscription.event_id)
        .where(Subscription.user_id == user.id)
        .order_by(Subscription.id)
    )
    return [(subscription, event) for subscription, event in rows.tuples().all()]


async def has_follows(session: AsyncSession, user: User) -> bool:
    query = select(Subscription.id).where(Subscription.user_id == user.id).limit(1)
    return (await session.scalar(query)) is not None


async def unfollow(session: AsyncSession, user: User, subscription_id: int) -> Subscription | None:
    """Remove one of the user's subscriptions; the removed one, or None."""
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        return None
    await session.delete(subscription)
    await session.flush()
    return subscription


async def follows_event(session: AsyncSession, user: User, event: Event) -> bool:
    query = (
        select(Subscription.id)
        .where(Subscription.user_id == user.id, _audience_condition(event))
        .limit(1)
    )
    return (await session.scalar(query)) is not None


async def withdraw(
    session: AsyncSession,
    event_id: str,
    reason: str,
    *,
    user_id: int | None = None,
    kinds: Sequence[str] = (REMINDER,),
) -> int:
    """Cancel the event's pending deliveries of kinds (of one user, or all); how many."""
    query = (
        update(Delivery)
        .where(
            Delivery.ref == event_id,
            Delivery.kind.in_(kinds),
            Delivery.status == outbox.PENDING,
        )
        .values(status=outbox.CANCELLED, error=reason)
        .execution_options(synchronize_session=False)
    )
    if user_id is not None:
        query = query.where(Delivery.user_id == user_id)
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def expire_reminders(session: AsyncSession, now: datetime) -> int:
    """Reminders not sent before their event started are cancelled: never after the start."""
    started = select(Event.id).where(Event.starts_at <= now)
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.kind == REMINDER,
            Delivery.status == outbox.PENDING,
            Delivery.ref.in_(started),
        )
        .values(status=outbox.CANCELLED, error="the event had started")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def pending_reminders(session: AsyncSession, event_id: str) -> list[Delivery]:
    query = (
        select(Delivery)
        .where(
            Delivery.ref == event_id,
            Delivery.kind == REMINDER,
            Delivery.status == outbox.PENDING,
        )
        .order_by(Delivery.due_at, Delivery.id)
    )
    return list((await session.scalars(query)).all())
