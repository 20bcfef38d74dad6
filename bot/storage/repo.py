"""The queries the bot makes, each in the caller's session (transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import outbox
from bot.storage.models import (
    ConversationState,
    Handoff,
    MessageLog,
    ProcessedUpdate,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    User,
    utcnow,
)

MAX_LOGGED_CHARS = 4000


async def claim_update(session: AsyncSession, channel: str, update_id: str) -> bool:
    """Record an update as processed; False when it already was (a redelivery).

    One INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike): no savepoint, no error.
    """
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedUpdate)
        .values(channel=channel, update_id=update_id, processed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_user(session: AsyncSession, channel: str, external_id: str) -> User | None:
    result = await session.execute(
        select(User).where(User.channel == channel, User.external_id == external_id)
    )
    return result.scalar_one_or_none()


async def get_or_create_user(
    session: AsyncSession, channel: str, external_id: str, chat_id: str
) -> tuple[User, bool]:
    """The user (created when new) with last_seen now; True when created."""
    user = await get_user(session, channel, external_id)
    now = utcnow()
    if user is not None:
        user.last_seen = now
        user.chat_id = chat_id
        return user, False
    try:
        async with session.begin_nested():
            user = User(
                channel=channel,
                external_id=external_id,
                chat_id=chat_id,
                first_seen=now,
                last_seen=now,
            )
            session.add(user)
            await session.flush()
        return user, True
    except IntegrityError:  # created concurrently by another worker
        existing = await get_user(session, channel, external_id)
        assert existing is not None
        return existing, False


async def log_message(
    session: AsyncSession,
    user: User,
    text: str,
    *,
    language: str | None,
    intent: str | None,
    confidence: float | None,
    answered: bool,
    delivery_id: int | None = None,
) -> None:
    session.add(
        MessageLog(
            user_id=user.id,
            text=text[:MAX_LOGGED_CHARS],
            language=language,
            intent=intent,
            confidence=confidence,
            answered=answered,
            delivery_id=delivery_id,
        )
    )


async def get_flow(session: AsyncSession, user: User) -> ConversationState | None:
    """The user's stored flow, if any (expired or not)."""
    return await session.get(ConversationState, user.id)


async def save_flow(
    session: AsyncSession,
    user: User,
    *,
    flow: str,
    flow_id: str,
    state: str,
    data: dict[str, object],
    expires_at: datetime,
) -> None:
    """Store the user's flow, replacing any other."""
    existing = await session.get(ConversationState, user.id)
    if existing is None:
        existing = ConversationState(user_id=user.id)
        session.add(existing)
    existing.flow, existing.flow_id, existing.state = flow, flow_id, state
    existing.data, existing.expires_at, existing.updated_at = dict(data), expires_at, utcnow()


async def end_flow(session: AsyncSession, user: User) -> None:
    await session.execute(delete(ConversationState).where(ConversationState.user_id == user.id))


async def delete_user_data(session: AsyncSession, user: User) -> None:
    """Erase the user and everything stored about them; their pending deliveries are cancelled.

    Their survey responses and answers go too (results count them no more); a response to an
    anonymous survey holds no user id and is not theirs to find.
    """
    await outbox.cancel_for_user(session, user.id)
    own_responses = select(SurveyResponse.id).where(SurveyResponse.user_id == user.id)
    await session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(own_responses)))
    for survey_table in (SurveyResponse, SurveyInvitation):
        await session.execute(delete(survey_table).where(survey_table.user_id == user.id))
    for table in (MessageLog, ConversationState, Handoff):
        await session.execute(delete(table).where(table.user_id == user.id))
    await session.execute(delete(User).where(User.id == user.id))


async def set_blocked(
    session: AsyncSession, channel: str, external_id: str, blocked: bool
) -> User | None:
    user = await get_user(session, channel, external_id)
    if user is not None:
        user.blocked = blocked
    return user


async def unanswered_questions(
    session: AsyncSession, *, since: datetime | None = None, limit: int = 20
) -> list[tuple[str | None, str, int]]:
    """The most frequent unanswered questions: (language, text, count), most frequent first."""
    normalized = func.lower(func.trim(MessageLog.text))
    query = (
        select(MessageLog.language, func.min(MessageLog.text), func.count())
        .where(MessageLog.answered.is_(False))
        .group_by(MessageLog.language, normalized)
        .order_by(func.count().desc(), func.min(MessageLog.text))
        .limit(limit)
    )
    if since is not None:
        query = query.where(MessageLog.created_at >= since)
    rows = (await session.execute(query)).all()
    return [(language, text, count) for language, text, count in rows]


async def add_handoff(
    session: AsyncSession, user: User, staff_chat_id: str, staff_message_id: str
) -> None:
    session.add(
        Handoff(user_id=user.id, staff_chat_id=staff_chat_id, staff_message_id=staff_message_id)
    )


async def handoff_user(
    session: AsyncSession, staff_chat_id: str, staff_message_id: str
) -> User | None:
    """The user whose forwarded question is staff message `staff_message_id`."""
    result = await session.execute(
        select(User)
        .join(Handoff, Handoff.user_id == User.id)
        .where(Handoff.staff_chat_id == staff_chat_id, Handoff.staff_message_id == staff_message_id)
    )
    return result.scalar_one_or_none()
