from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.core.messages import Reply
from bot.storage import outbox, repo
from bot.storage.database import Database
from bot.storage.models import ConversationState, Delivery, MessageLog, User, utcnow


async def test_migrations_go_down_and_up_again(db: Database) -> None:
    await db.downgrade("base")
    await db.migrate()
    async with db.session() as session:
        user, created = await repo.get_or_create_user(session, "telegram", "1", "1")
    assert created and user.id


async def test_users_are_unique_per_channel_and_id(db: Database) -> None:
    async with db.session() as session:
        first, created = await repo.get_or_create_user(session, "telegram", "42", "42")
        again, created_again = await repo.get_or_create_user(session, "telegram", "42", "42")
        other, _ = await repo.get_or_create_user(session, "line", "42", "42")
    assert created and not created_again
    assert first.id == again.id != other.id


async def test_an_update_is_claimed_once(db: Database) -> None:
    async with db.session() as session:
        assert await repo.claim_update(session, "line", "evt-1")
        assert not await repo.claim_update(session, "line", "evt-1")
        assert await repo.claim_update(session, "telegram", "evt-1")
    async with db.session() as session:
        assert not await repo.claim_update(session, "line", "evt-1")


async def test_deleting_a_user_erases_their_rows(db: Database) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, "line", "U1", "U1")
        keep, _ = await repo.get_or_create_user(session, "line", "U2", "U2")
        for who in (user, keep):
            await repo.log_message(
                session, who, "hello", language="en", intent="greet", confidence=0.9, answered=True
            )
        await repo.save_flow(
            session,
            user,
            flow="delete_data",
            flow_id="ab12cd34",
            state="confirm",
            data={"step": 1},
            expires_at=utcnow() + timedelta(minutes=5),
        )
        await repo.add_handoff(session, user, "-100", "7")
        pending = await outbox.add(
            session,
            kind="reminder",
            channel="line",
            chat_id="U1",
            replies=[Reply("see you tomorrow")],
            due_at=utcnow() + timedelta(hours=1),
            user_id=user.id,
        )
    async with db.session() as session:
        await repo.delete_user_data(session, user)
    async with db.session() as session:
        assert await repo.get_user(session, "line", "U1") is None
        assert await repo.get_user(session, "line", "U2") is not None
        logs = await session.scalar(select(func.count()).select_from(MessageLog))
        states = await session.scalar(select(func.count()).select_from(ConversationState))
        assert (logs, states) == (1, 0)
        assert await repo.handoff_user(session, "-100", "7") is None
        delivery = await session.get(Delivery, pending)
        assert delivery is not None
        assert (delivery.status, delivery.content, delivery.user_id) == ("cancelled", [], None)


async def test_unanswered_questions_are_grouped_and_counted(db: Database) -> None:
    async with db.session() as session:
        user, _ = await repo.get_or_create_user(session, "telegram", "9", "9")
        for text in ("Where can I buy durian?", "where can i buy durian? ", "Who won?"):
            await repo.log_message(
                session,
                user,
                text,
                language="en",
                intent="out_of_scope",
                confidence=0.9,
                answered=False,
            )
        await repo.log_message(
            session,
            user,
            "ราคาทุเรียน",
            language="th",
            intent="nlu_fallback",
            confidence=0.2,
            answered=False,
        )
        await repo.log_message(
            session,
            user,
            "What is LMEC?",
            language="en",
            intent="lmec_about",
            confidence=0.99,
            answered=True,
        )
    async with db.session() as session:
        rows = await repo.unanswered_questions(session)
        later = await repo.unanswered_questions(
            session, since=datetime.now(UTC) + timedelta(minutes=1)
        )
    assert rows[0][0] == "en" and rows[0][2] == 2
    assert {(lang, count) for lang, _, count in rows} == {("en", 2), ("en", 1), ("th", 1)}
    assert "What is LMEC?" not in [text for _, text, _ in rows]
    assert later == []


async def test_blocking_marks_the_user_blocked(db: Database) -> None:
    async with db.session() as session:
        await repo.get_or_create_user(session, "telegram", "5", "5")
    async with db.session() as session:
        await repo.set_blocked(session, "telegram", "5", True)
    async with db.session() as session:
        user = await session.scalar(select(User).where(User.external_id == "5"))
        assert user is not None and user.blocked
