"""Survey storage on SQLite and PostgreSQL: one response per respondent, answers replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import repo
from bot.storage import surveys as store
from bot.storage.database import Database

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


async def test_one_response_per_respondent_and_answers_replaced(db: Database) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, "telegram", "1", "1")
        fields = dict(
            survey_id="general",
            event_id=None,
            respondent=f"u{user.id}",
            user_id=user.id,
            language="th",
            channel="telegram",
            country="TH",
            now=NOW,
        )
        first = await store.create_response(session, **fields)  # type: ignore[arg-type]
        again = await store.create_response(session, **fields)  # type: ignore[arg-type]
        assert first.id == again.id
        await store.save_answer(session, first, "useful", 3, NOW)
        await store.save_answer(session, first, "useful", 5, NOW + timedelta(minutes=1))
        await store.save_answer(session, first, "better", "ภาษาไทย", NOW)
    async with db.session() as session:
        assert await store.answers(session, first.id) == {"useful": 5, "better": "ภาษาไทย"}


async def test_an_invitation_is_written_once_with_or_without_an_event(db: Database) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, "line", "U1", "U1")
        for event in (None, "e1"):
            assert await store.add_invitation(session, "event-feedback", event, user.id, NOW)
            assert (
                await store.add_invitation(session, "event-feedback", event, user.id, NOW) is None
            )
        assert await store.invited_count(session, "event-feedback", None) == 2
        assert await store.invited_count(session, "event-feedback", "e1") == 1
        latest = await store.latest_open_invitation(session, user.id, NOW - timedelta(days=7))
        assert latest is not None
