"""The outbox's queries: add deliveries, claim the due ones, record how each send went.

Claims are single UPDATE … RETURNING statements. On PostgreSQL the rows are picked with
`FOR UPDATE SKIP LOCKED`, so several workers never claim the same row; on SQLite every
transaction begins IMMEDIATE (bot/storage/database.py), so claims take turns.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Reply
from bot.storage.models import Delivery, User

REPLY, BULK = "reply", "bulk"
PENDING, SENDING, SENT = "pending", "sending", "sent"
FAILED, BLOCKED, CANCELLED, UNKNOWN = "failed", "blocked", "cancelled", "unknown"
FINAL = frozenset({SENT, FAILED, BLOCKED, CANCELLED, UNKNOWN})
# Kinds sent again when found `sending` after a crash: a repeated answer is better than none
# (and a repeated edit, like a broadcast's progress, changes nothing: "not modified").
# Any other kind (a broadcast) becomes `unknown` instead, unless its channel has retry keys
# (LINE answers a repeated request with 409), where sending again is safe.
RESEND_AFTER_CRASH = frozenset(
    {"reply", "handoff", "staff_answer", "reminder", "notice", "progress"}
)
IDEMPOTENT_CHANNELS = frozenset({"line"})
MAX_ERROR = 200


def new_key() -> str:
    return str(uuid.uuid4())


async def add(
    session: AsyncSession,
    *,
    kind: str,
    channel: str,
    chat_id: str,
    replies: Sequence[Reply],
    due_at: datetime,
    lane: str = BULK,
    user_id: int | None = None,
    dedupe_key: str | None = None,
    group_key: str | None = None,
    ref: str | None = None,
    reply_token: str | None = None,
    reply_until: datetime | None = None,
) -> int | None:
    """Queue one delivery; its id, or None when dedupe_key was queued before."""
    values: dict[str, Any] = {
        "kind": kind,
        "lane": lane,
        "user_id": user_id,
        "channel": channel,
        "chat_id": chat_id,
        "content": [reply.to_json() for reply in replies],
        "due_at": due_at,
        "status": PENDING,
        "attempts": 0,
        "retry_key": new_key(),
        "group_key": group_key,
        "dedupe_key": dedupe_key,
        "reply_token": reply_token,
        "reply_until": reply_until,
        "ref": ref,
        "created_at": due_at,
    }
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(Delivery).values(**values)
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(statement.returning(Delivery.id))
    return result.scalar_one_or_none()


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue many deliveries at once (a broadcast): each row holds add()'s keyword arguments.

    A row whose dedupe_key was queued before is skipped.
    """
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    values = [
        {
            "kind": row["kind"],
            "lane": row.get("lane", BULK),
            "user_id": row.get("user_id"),
            "channel": row["channel"],
            "chat_id": row["chat_id"],
            "content": [reply.to_json() for reply in row["replies"]],
            "due_at": row["due_at"],
            "status": PENDING,
            "attempts": 0,
            "retry_key": new_key(),
            "group_key": row.get("group_key"),
            "dedupe_key": row.get("dedupe_key"),
            "ref": row.get("ref"),
            "created_at": row["due_at"],
        }
        for row in rows
    ]
    for start in range(0, len(values), 1000):
        statement = insert(Delivery).on_conflict_do_nothing(index_elements=["dedupe_key"])
        await session.execute(statement, values[start : start + 1000])


def skip_locked(query: Select[Any], session: AsyncSession) -> Select[Any]:
    """On PostgreSQL, the rows are locked and rows locked by another transaction skipped."""
    if session.bind.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


async def _claim(
    session: AsyncSession, ids: Any, now: datetime, lease: timedelta, **values: Any
) -> list[Delivery]:
    """Mark the rows of ids `sending`. A query of ids is run first (its locks held until the
    commit): PostgreSQL may run a LIMIT … SKIP LOCKED subquery of an UPDATE more than once."""
    if isinstance(ids, Select):
        ids = list((await session.scalars(ids)).all())
    if not ids:
        return []
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == PENDING)
        .values(status=SENDING, attempts=Delivery.attempts + 1, lease_until=now + lease, **values)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    rows = list((await session.scalars(statement)).all())
    return sorted(rows, key=lambda row: row.id)


async def claim_reply(
    session: AsyncSession, channel: str, chat_id: str, now: datetime, lease: timedelta
) -> Delivery | None:
    """The oldest unsent reply to one chat, if it is due and none before it is in flight.

    A chat's replies therefore go out one after another, in the order they were written,
    whichever worker sends them.
    """
    head = (
        select(Delivery.id)
        .where(
            Delivery.channel == channel,
            Delivery.chat_id == chat_id,
            Delivery.lane == REPLY,
            Delivery.status.in_((PENDING, SENDING)),
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    statement = (
        update(Delivery)
        .where(
            Delivery.id == head.scalar_subquery(),
            Delivery.status == PENDING,
            Delivery.due_at <= now,
        )
        .values(status=SENDING, attempts=Delivery.attempts + 1, lease_until=now + lease)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalars(statement)).one_or_none()


async def chats_with_replies(session: AsyncSession, now: datetime) -> list[tuple[str, str]]:
    """(channel, chat id) of every chat with a reply due (after a restart, say)."""
    rows = await session.execute(
        select(Delivery.channel, Delivery.chat_id)
        .where(Delivery.lane == REPLY, Delivery.status == PENDING, Delivery.due_at <= now)
        .distinct()
    )
    return [(channel, chat_id) for channel, chat_id in rows.all()]


async def claim_bulk(
    session: AsyncSession, channel: str, now: datetime, lease: timedelta, max_recipients: int
) -> list[Delivery]:
    """The next due deliveries of one channel's bulk lane, to send in one request.

    One row; or, when the channel takes several recipients a request, up to max_recipients
    rows of the same content (a multicast), sharing a batch key that is the request's retry
    key. Rows of a batch interrupted by a crash are claimed together again, under that key.
    """
    due = skip_locked(
        select(Delivery.id, Delivery.group_key, Delivery.batch_key)
        .where(
            Delivery.status == PENDING,
            Delivery.lane == BULK,
            Delivery.channel == channel,
            Delivery.due_at <= now,
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(1),
        session,
    )
    first = (await session.execute(due)).first()
    if first is None:
        return []
    row_id, group_key, batch_key = first
    if batch_key is not None:
        same = select(Delivery.id).where(
            Delivery.batch_key == batch_key, Delivery.status == PENDING
        )
        return await _claim(session, skip_locked(same, session), now, lease)
    if group_key is None or max_recipients <= 1:
        return await _claim(session, [row_id], now, lease)
    same = (
        select(Delivery.id)
        .where(
            Delivery.status == PENDING,
            Delivery.lane == BULK,
            Delivery.channel == channel,
            Delivery.group_key == group_key,
            Delivery.batch_key.is_(None),
            Delivery.due_at <= now,
        )
        .order_by(Delivery.id)
        .limit(max_recipients)
    )
    return await _claim(session, skip_locked(same, session), now, lease, batch_key=new_key())


async def mark(
    session: AsyncSession,
    ids: Sequence[int],
    status: str,
    now: datetime,
    *,
    error: str | None = None,
) -> None:
    """A final status for claimed rows (sent, failed, blocked, cancelled)."""
    values: dict[str, Any] = {"status": status, "lease_until": None}
    if status == SENT:
        values["sent_at"] = now
    if error is not None:
        values["error"] = error[:MAX_ERROR]
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def retry_later(
    session: AsyncSession, ids: Sequence[int], due_at: datetime, error: str
) -> None:
    """Claimed rows go back to pending, due again at due_at."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == SENDING)
        .values(status=PENDING, due_at=due_at, lease_until=None, error=error[:MAX_ERROR])
        .execution_options(synchronize_session=False)
    )


async def block_recipients(session: AsyncSession, channel: str, chat_ids: Sequence[str]) -> None:
    """The people behind these chats blocked the bot: mark them, skip their pending rows."""
    await session.execute(
        update(User)
        .where(User.channel == channel, User.chat_id.in_(chat_ids))
        .values(blocked=True)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Delivery)
        .where(
            Delivery.channel == channel,
            Delivery.chat_id.in_(chat_ids),
            Delivery.status == PENDING,
            Delivery.lane == BULK,
        )
        .values(status=BLOCKED, error="blocked")
        .execution_options(synchronize_session=False)
    )


async def renew(session: AsyncSession, ids: Sequence[int], until: datetime) -> None:
    """The leases of rows still being sent (by the caller) run until `until`."""
    if not ids:
        return
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == SENDING)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )


async def recover(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Rows left `sending` by a worker that died (lease expired): (sent again, unknown).

    Replies, reminders and handoffs are sent again; a broadcast row is not (it becomes
    `unknown`) unless its channel deduplicates by retry key.
    """
    expired = (Delivery.status == SENDING, Delivery.lease_until < now)
    again = await session.execute(
        update(Delivery)
        .where(
            *expired,
            Delivery.kind.in_(RESEND_AFTER_CRASH) | Delivery.channel.in_(IDEMPOTENT_CHANNELS),
        )
        .values(status=PENDING, lease_until=None, error="sent again after an interrupted send")
        .execution_options(synchronize_session=False)
    )
    lost = await session.execute(
        update(Delivery)
        .where(*expired)
        .values(status=UNKNOWN, lease_until=None, error="interrupted while sending")
        .execution_options(synchronize_session=False)
    )
    return again.rowcount, lost.rowcount  # type: ignore[attr-defined]


async def cancel_for_user(session: AsyncSession, user_id: int) -> None:
    """The user's pending deliveries are cancelled and their content erased."""
    await session.execute(
        update(Delivery)
        .where(Delivery.user_id == user_id, Delivery.status == PENDING)
        .values(status=CANCELLED, content=[], error="the person deleted their data")
        .execution_options(synchronize_session=False)
    )


async def cancel_ref(session: AsyncSession, kind: str, ref: str, reason: str) -> int:
    """The pending deliveries of one kind about ref (a broadcast) are cancelled; how many."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.kind == kind, Delivery.ref == ref, Delivery.status == PENDING)
        .values(status=CANCELLED, error=reason[:MAX_ERROR])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def pending_of(session: AsyncSession, user_id: int, kind: str) -> list[Delivery]:
    """A person's deliveries of one kind not yet claimed, soonest first."""
    query = (
        select(Delivery)
        .where(Delivery.user_id == user_id, Delivery.kind == kind, Delivery.status == PENDING)
        .order_by(Delivery.due_at, Delivery.id)
    )
    return list((await session.scalars(query)).all())


async def revise(
    session: AsyncSession,
    delivery_id: int,
    *,
    due_at: datetime,
    replies: Sequence[Reply],
    group_key: str | None,
) -> bool:
    """A pending delivery gets a new due time and content; False when it was claimed first."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == PENDING)
        .values(due_at=due_at, content=[reply.to_json() for reply in replies], group_key=group_key)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revive(
    session: AsyncSession,
    dedupe_key: str,
    *,
    due_at: datetime,
    replies: Sequence[Reply],
    group_key: str | None,
) -> bool:
    """The cancelled delivery of this dedupe key is pending again, with a new due time and
    content (a reminder asked for again); False when there is none (one sent stays sent)."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.dedupe_key == dedupe_key, Delivery.status == CANCELLED)
        .values(
            status=PENDING,
            due_at=due_at,
            content=[reply.to_json() for reply in replies],
            group_key=group_key,
            attempts=0,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel(session: AsyncSession, delivery_id: int, reason: str) -> bool:
    """A pending delivery is cancelled; False when it was claimed first."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == PENDING)
        .values(status=CANCELLED, error=reason[:MAX_ERROR])
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def counts_for(session: AsyncSession, kind: str, ref: str) -> dict[str, int]:
    """How many deliveries of one kind about ref are in each status."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.kind == kind, Delivery.ref == ref)
        .group_by(Delivery.status)
    )
    return {status: count for status, count in rows.all()}


async def listing(
    session: AsyncSession,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 1000,
) -> list[Delivery]:
    """Deliveries, newest first, optionally of one status and kind."""
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Delivery.status == status)
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    return list((await session.scalars(query)).all())


async def counts(session: AsyncSession) -> dict[str, int]:
    """How many deliveries are in each status."""
    rows = await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status: count for status, count in rows.all()}
