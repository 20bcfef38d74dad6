"""Broadcasts' queries: who an audience is, a broadcast queued in the outbox, its counts.

`follows` reads the reminders' subscriptions, `unfinished` the surveys' invitations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.announcement import Announcement, parse
from bot.core.audience import CHANNELS, Audience
from bot.storage import outbox
from bot.storage.models import Broadcast, Delivery, Subscription, SurveyInvitation, User

KIND = "broadcast"
# Outbox kind of a broadcast's progress message for staff (ref: the broadcast's id).
PROGRESS = "progress"
DRAFT, SCHEDULED, SENDING, DONE, CANCELLED = "draft", "scheduled", "sending", "done", "cancelled"


@dataclass(frozen=True)
class Person:
    """One member of an audience: where to reach them and in which language."""

    user_id: int
    channel: str
    chat_id: str
    lang: str


def audience_query(
    audience: Audience, default_language: str = "en"
) -> Select[tuple[int, str, str, str]]:
    """People of the audience: reachable (not blocked, announcements on), on Telegram or LINE."""
    lang = func.coalesce(User.language, default_language)
    conditions: list[ColumnElement[bool]] = [
        User.blocked.is_(False),
        User.announcements.is_(True),
        User.channel.in_(sorted(CHANNELS)),
    ]
    for key, values in audience.terms:
        if key == "lang":
            conditions.append(lang.in_(values))
        elif key == "country":
            conditions.append(User.country.in_(values))
        elif key == "channel":
            conditions.append(User.channel.in_(values))
        elif key == "follows":  # a category, or an event's id
            followers = select(Subscription.user_id).where(
                or_(Subscription.category.in_(values), Subscription.event_id.in_(values))
            )
            conditions.append(User.id.in_(followers))
        elif key == "unfinished":
            unfinished = select(SurveyInvitation.user_id).where(
                SurveyInvitation.survey_id.in_(values), SurveyInvitation.completed_at.is_(None)
            )
            conditions.append(User.id.in_(unfinished))
    return (
        select(User.id, User.channel, User.chat_id, lang).where(and_(*conditions)).order_by(User.id)
    )


async def audience_of(
    session: AsyncSession, audience: Audience, default_language: str = "en"
) -> list[Person]:
    rows = await session.execute(audience_query(audience, default_language))
    return [Person(uid, channel, chat, lang) for uid, channel, chat, lang in rows.all()]


def group_key(broadcast_id: int, version: str) -> str:
    """The rows of one language version of a broadcast (LINE multicasts them together)."""
    return f"b{broadcast_id}:{version}"


async def follow_language(session: AsyncSession, user_id: int, lang: str) -> int:
    """The person now reads lang: their broadcasts not yet sent (scheduled, or not yet
    reached) get that language version, or the fallback; where the announcement has neither,
    they keep the version they had. How many changed."""
    changed = 0
    for row in await outbox.pending_of(session, user_id, KIND):
        broadcast = await session.get(Broadcast, int(row.ref or 0))
        if broadcast is None:
            continue
        announcement = parse(broadcast.message)
        version = announcement.version_for(lang)
        if version is None or row.group_key == group_key(broadcast.id, version):
            continue
        changed += await outbox.revise(
            session,
            row.id,
            due_at=row.due_at,
            replies=[announcement.reply(version)],
            group_key=group_key(broadcast.id, version),
        )
    return changed


async def create(
    session: AsyncSession,
    *,
    announcement: Announcement,
    audience: Audience,
    people: Sequence[Person],
    created_by: str,
    now: datetime,
    send_at: datetime | None = None,
    report_to: str | None = None,
) -> Broadcast:
    """The broadcast, and one outbox row per person who gets a language version of it."""
    due = send_at or now
    broadcast = Broadcast(
        created_by=created_by,
        message=announcement.to_json(),
        audience=str(audience),
        fallback=announcement.fallback,
        send_at=send_at,
        status=SCHEDULED,
        recipients=0,
        content_hash=announcement.digest(),
        report_to=report_to,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    replies = {lang: [announcement.reply(lang)] for lang in announcement.languages}
    rows = []
    for person in people:
        version = announcement.version_for(person.lang)
        if version is None:
            continue
        rows.append(
            {
                "kind": KIND,
                "channel": person.channel,
                "chat_id": person.chat_id,
                "replies": replies[version],
                "due_at": due,
                "user_id": person.user_id,
                "dedupe_key": f"{KIND}:{broadcast.id}:{person.user_id}",
                "group_key": group_key(broadcast.id, version),
                "ref": str(broadcast.id),
            }
        )
    await outbox.add_many(session, rows)
    broadcast.recipients = len(rows)
    return broadcast


async def same_recently(session: AsyncSession, digest: str, since: datetime) -> Broadcast | None:
    """A broadcast of the same content created since `since` and not cancelled."""
    query = (
        select(Broadcast)
        .where(
            Broadcast.content_hash == digest,
            Broadcast.created_at >= since,
            Broadcast.status != CANCELLED,
        )
        .order_by(Broadcast.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def get(session: AsyncSession, broadcast_id: int, *, lock: bool = False) -> Broadcast | None:
    """The broadcast; with lock, its row held until the commit (PostgreSQL)."""
    return await session.get(Broadcast, broadcast_id, with_for_update=lock or None)


async def listing(session: AsyncSession, limit: int = 50) -> list[Broadcast]:
    query = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


async def report(session: AsyncSession, broadcast: Broadcast, now: datetime) -> dict[str, object]:
    """The broadcast's status and counts (from its deliveries); the status brought up to date."""
    counts = await outbox.counts_for(session, KIND, str(broadcast.id))
    pending = counts.get(outbox.PENDING, 0) + counts.get(outbox.SENDING, 0)
    if broadcast.status in (SCHEDULED, SENDING):
        send_at = _aware(broadcast.send_at)
        status = broadcast.status
        if pending == 0:
            status = DONE
        elif send_at is None or send_at <= now:
            status = SENDING
        if status != broadcast.status:
            # Conditional: a cancel committed meanwhile is never overwritten.
            await session.execute(
                update(Broadcast)
                .where(Broadcast.id == broadcast.id, Broadcast.status == broadcast.status)
                .values(
                    status=status,
                    started_at=func.coalesce(Broadcast.started_at, send_at or now),
                    finished_at=now if status == DONE else None,
                )
                .execution_options(synchronize_session=False)
            )
            await session.refresh(broadcast)
    return {
        "id": broadcast.id,
        "status": broadcast.status,
        "recipients": broadcast.recipients,
        "sent": counts.get(outbox.SENT, 0),
        "blocked": counts.get(outbox.BLOCKED, 0),
        "failed": counts.get(outbox.FAILED, 0),
        "unknown": counts.get(outbox.UNKNOWN, 0),
        "pending": pending,
    }


async def _in_flight(session: AsyncSession, kind: str, broadcast_id: int) -> bool:
    """Whether a delivery of kind about the broadcast is pending or being sent (an index seek)."""
    query = (
        select(Delivery.id)
        .where(
            Delivery.kind == kind,
            Delivery.ref == str(broadcast_id),
            Delivery.status.in_((outbox.PENDING, outbox.SENDING)),
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


async def unfinished(session: AsyncSession, broadcast_id: int) -> bool:
    """Whether any of the broadcast's deliveries is still pending or being sent."""
    return await _in_flight(session, KIND, broadcast_id)


async def to_follow(session: AsyncSession, now: datetime) -> list[Broadcast]:
    """Broadcasts whose send time has come and whose end was not yet reported, oldest first.

    Each row is locked until the commit; on PostgreSQL rows another worker holds are skipped,
    so one worker at a time follows a broadcast.
    """
    query = (
        select(Broadcast)
        .where(
            Broadcast.reported_at.is_(None),
            or_(Broadcast.send_at.is_(None), Broadcast.send_at <= now),
        )
        .order_by(Broadcast.id)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.scalars(query)).all())


async def progress_in_flight(session: AsyncSession, broadcast_id: int) -> bool:
    """Whether a progress message of the broadcast is still waiting to be sent or being sent."""
    return await _in_flight(session, PROGRESS, broadcast_id)


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, message_id: str, sent_at: datetime
) -> None:
    """The progress message has this id (sent, or sent anew when it could not be edited) and
    was last shown at sent_at."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_message=message_id, progress_at=sent_at)
        .execution_options(synchronize_session=False)
    )


async def cancel(session: AsyncSession, broadcast: Broadcast, now: datetime) -> int:
    """Stop what is not yet sent; how many deliveries were cancelled."""
    changed = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status.in_((DRAFT, SCHEDULED, SENDING)))
        .values(status=CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    stopped = 0
    if changed.rowcount:  # type: ignore[attr-defined]
        stopped = await outbox.cancel_ref(
            session, KIND, str(broadcast.id), "the broadcast was cancelled"
        )
    await session.refresh(broadcast)
    return stopped
