"""Audiences and broadcasts in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from bot.core.announcement import parse as parse_message
from bot.core.audience import parse as parse_audience
from bot.storage import broadcasts, outbox, repo
from bot.storage.database import Database
from bot.storage.models import Event, Subscription, SurveyInvitation, utcnow

# (external id, channel, language, country)
PEOPLE = [
    ("t-th", "telegram", "th", "TH"),
    ("t-en", "telegram", "en", "LA"),
    ("t-vi", "telegram", "vi", "VN"),
    ("l-th", "line", "th", "TH"),
    ("l-en", "line", "en", "TH"),
    ("l-lo", "line", "lo", "LA"),
    ("l-blocked", "line", "th", "TH"),
    ("l-quiet", "line", "th", "TH"),
    ("c-th", "console", "th", "TH"),
]


async def _people(db: Database) -> dict[str, int]:
    ids = {}
    async with db.session() as session:
        for external, channel, lang, country in PEOPLE:
            user, _ = await repo.get_or_create_user(session, channel, external, external)
            user.language, user.country = lang, country
            user.blocked = external == "l-blocked"
            user.announcements = external != "l-quiet"
            await session.flush()
            ids[external] = user.id
    return ids


async def _who(db: Database, expression: str) -> set[str]:
    async with db.session() as session:
        people = await broadcasts.audience_of(session, parse_audience(expression))
        found = {p.user_id for p in people}
        users = (await session.execute(text("SELECT id, external_id FROM users"))).all()
    return {external for uid, external in users if uid in found}


async def test_audiences_never_include_blocked_or_quiet_people(db: Database) -> None:
    await _people(db)
    assert await _who(db, "all") == {"t-th", "t-en", "t-vi", "l-th", "l-en", "l-lo"}
    assert await _who(db, "lang=th,en channel=line") == {"l-th", "l-en"}
    assert await _who(db, "country=LA") == {"t-en", "l-lo"}
    assert await _who(db, "lang=th country=TH channel=telegram,line") == {"t-th", "l-th"}


async def test_followers_and_unfinished_surveys(db: Database) -> None:
    ids = await _people(db)
    now = utcnow()
    async with db.session() as session:
        for event in ("e12", "e13"):
            session.add(
                Event(
                    id=event,
                    category="workshop",
                    timezone="Asia/Bangkok",
                    starts_local=datetime(2027, 3, 1, 9),
                    ends_local=datetime(2027, 3, 1, 17),
                    starts_at=now,
                    ends_at=now,
                    title={},
                    summary={},
                )
            )
        await session.flush()
        follows = [("t-th", None, "forum"), ("l-en", "e12", None)]
        follows += [("l-blocked", None, "forum"), ("t-vi", "e13", None)]
        for who, event, category in follows:
            session.add(Subscription(user_id=ids[who], event_id=event, category=category))
        invited = [("s3", "t-en", None), ("s3", "l-lo", now), ("s4", "l-th", None)]
        for survey, who, done in invited:
            session.add(
                SurveyInvitation(
                    survey_id=survey, user_id=ids[who], invited_at=now, completed_at=done
                )
            )
    assert await _who(db, "follows=forum") == {"t-th"}
    assert await _who(db, "follows=forum,e12") == {"t-th", "l-en"}
    assert await _who(db, "follows=e12,e13 channel=line") == {"l-en"}
    assert await _who(db, "unfinished=s3") == {"t-en"}
    assert await _who(db, "unfinished=s3,s4 lang=th") == {"l-th"}


async def test_a_broadcast_queues_one_row_per_person_and_cancels_what_is_pending(
    db: Database,
) -> None:
    await _people(db)
    message = parse_message({"text": {"th": "ข่าว", "en": "News"}, "fallback": "none"})
    now = utcnow()
    async with db.session() as session:
        people = await broadcasts.audience_of(session, parse_audience("all"))
        created = await broadcasts.create(
            session,
            announcement=message,
            audience=parse_audience("all"),
            people=people,
            created_by="cli",
            now=now,
            send_at=now + timedelta(hours=1),
        )
        assert created.recipients == 4  # the Vietnamese and Lao speakers are left out
        figures = await broadcasts.report(session, created, now)
        rows = await outbox.listing(session, kind="broadcast")
    assert figures == {
        "id": created.id,
        "status": "scheduled",
        "recipients": 4,
        "sent": 0,
        "blocked": 0,
        "failed": 0,
        "unknown": 0,
        "pending": 4,
    }
    by_chat = {row.chat_id: row for row in rows}
    assert set(by_chat) == {"t-th", "t-en", "l-th", "l-en"}
    assert by_chat["l-th"].group_key == f"b{created.id}:th"
    assert by_chat["l-en"].content[0]["text"] == "News"
    assert by_chat["t-th"].dedupe_key == f"broadcast:{created.id}:{by_chat['t-th'].user_id}"
    assert all(row.lane == outbox.BULK and row.ref == str(created.id) for row in rows)
    async with db.session() as session:
        stored = await session.get(type(created), created.id)
        assert stored is not None
        assert await broadcasts.cancel(session, stored, now) == 4
        figures = await broadcasts.report(session, stored, now)
    assert figures["status"] == "cancelled" and figures["pending"] == 0


async def test_migration_0007_leaves_broadcasts_finished_before_it_unreported(
    db: Database,
) -> None:
    await db.downgrade("0006")
    async with db.session() as session:
        for status in ("done", "cancelled", "sending", "scheduled"):
            await session.execute(
                text(
                    "INSERT INTO broadcasts (created_by, message, audience, status, recipients,"
                    " content_hash, created_at, finished_at)"
                    " VALUES ('cli', '{}', 'all', :status, 0, 'h', :now, :finished)"
                ),
                {"status": status, "now": utcnow(), "finished": utcnow()},
            )
    await db.migrate()
    async with db.session() as session:
        rows = await session.execute(
            text("SELECT status, reported_at IS NOT NULL FROM broadcasts ORDER BY id")
        )
        assert [tuple(row) for row in rows.all()] == [
            ("done", True),
            ("cancelled", True),
            ("sending", False),  # the progress tick will report these
            ("scheduled", False),
        ]
