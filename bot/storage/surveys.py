"""Survey responses, answers and invitations: the queries, each in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import outbox
from bot.storage.models import (
    Delivery,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)


def event_key(event_id: str | None) -> str:
    return event_id or ""


async def get_response(
    session: AsyncSession, survey_id: str, event_id: str | None, respondent: str
) -> SurveyResponse | None:
    response: SurveyResponse | None = await session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey_id,
            SurveyResponse.event_key == event_key(event_id),
            SurveyResponse.respondent == respondent,
        )
    )
    return response


async def response_by_id(session: AsyncSession, response_id: int) -> SurveyResponse | None:
    return await session.get(SurveyResponse, response_id)


async def create_response(
    session: AsyncSession,
    *,
    survey_id: str,
    event_id: str | None,
    respondent: str,
    user_id: int | None,
    language: str | None,
    channel: str | None,
    country: str | None,
    now: datetime,
) -> SurveyResponse:
    """The person's response, created (or the one a concurrent message created)."""
    try:
        async with session.begin_nested():
            response = SurveyResponse(
                survey_id=survey_id,
                event_id=event_id,
                event_key=event_key(event_id),
                respondent=respondent,
                user_id=user_id,
                language=language,
                channel=channel,
                country=country,
                started_at=now,
                updated_at=now,
            )
            session.add(response)
            await session.flush()
        return response
    except IntegrityError:
        existing = await get_response(session, survey_id, event_id, respondent)
        assert existing is not None
        return existing


async def answers(session: AsyncSession, response_id: int) -> dict[str, object]:
    rows = await session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.value).where(
            SurveyAnswer.response_id == response_id
        )
    )
    return {question: value for question, value in rows.all()}


async def save_answer(
    session: AsyncSession, response: SurveyResponse, question_id: str, value: object, now: datetime
) -> None:
    """Store (or replace) the answer to one question; None records a skipped question."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(SurveyAnswer).values(
        response_id=response.id,
        question_id=question_id,
        value=value,
        created_at=now,
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["response_id", "question_id"],
        set_={"value": statement.excluded.value, "updated_at": now},
    )
    await session.execute(statement)
    response.updated_at = now


async def add_invitation(
    session: AsyncSession, survey_id: str, event_id: str | None, user_id: int, now: datetime
) -> int | None:
    """The new invitation's id; None when this person was invited to it before."""
    existing = await session.scalar(
        select(SurveyInvitation.id).where(
            SurveyInvitation.survey_id == survey_id,
            SurveyInvitation.event_id.is_(None)
            if event_id is None
            else SurveyInvitation.event_id == event_id,
            SurveyInvitation.user_id == user_id,
        )
    )
    if existing is not None:
        return None
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(SurveyInvitation)
        .values(survey_id=survey_id, event_id=event_id, user_id=user_id, invited_at=now)
        .on_conflict_do_nothing(index_elements=["survey_id", "event_id", "user_id"])
        .returning(SurveyInvitation.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_open_invitation(
    session: AsyncSession, user_id: int, since: datetime
) -> SurveyInvitation | None:
    """The person's most recent unfinished invitation sent after `since`."""
    invitation: SurveyInvitation | None = await session.scalar(
        select(SurveyInvitation)
        .where(
            SurveyInvitation.user_id == user_id,
            SurveyInvitation.completed_at.is_(None),
            SurveyInvitation.invited_at >= since,
        )
        .order_by(SurveyInvitation.invited_at.desc(), SurveyInvitation.id.desc())
        .limit(1)
    )
    return invitation


async def finish(
    session: AsyncSession,
    response: SurveyResponse,
    user_id: int,
    now: datetime,
    pending_keys: Sequence[str],
) -> None:
    """The response is complete: its invitation too; its pending invitation/reminder cancelled."""
    response.completed_at = response.completed_at or now
    response.updated_at = now
    await session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.survey_id == response.survey_id,
            SurveyInvitation.event_id.is_(None)
            if response.event_id is None
            else SurveyInvitation.event_id == response.event_id,
            SurveyInvitation.user_id == user_id,
            SurveyInvitation.completed_at.is_(None),
        )
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Delivery)
        .where(Delivery.dedupe_key.in_(list(pending_keys)), Delivery.status == outbox.PENDING)
        .values(status=outbox.CANCELLED, error="the survey was finished")
        .execution_options(synchronize_session=False)
    )


async def mark_reminded(session: AsyncSession, invitation_id: int, now: datetime) -> None:
    await session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation_id)
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )


async def invited_count(session: AsyncSession, survey_id: str, event_id: str | None) -> int:
    query = select(func.count()).where(SurveyInvitation.survey_id == survey_id)
    if event_id is not None:
        query = query.where(SurveyInvitation.event_id == event_id)
    return int(await session.scalar(query) or 0)


async def responses_with_answers(
    session: AsyncSession, survey_id: str, event_id: str | None
) -> list[tuple[SurveyResponse, dict[str, object]]]:
    """Every response to the survey (of the event when given), with its answers."""
    query = select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
    if event_id is not None:
        query = query.where(SurveyResponse.event_key == event_key(event_id))
    responses: Sequence[SurveyResponse] = (
        await session.scalars(query.order_by(SurveyResponse.id))
    ).all()
    by_response: dict[int, dict[str, object]] = {response.id: {} for response in responses}
    rows = await session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.value)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey_id)
    )
    for response_id, question_id, value in rows.all():
        if response_id in by_response:
            by_response[response_id][question_id] = value
    return [(response, by_response[response.id]) for response in responses]
