"""Tables of the bot (migrations in bot/storage/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person on one channel."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)  # picked explicitly
    timezone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff broadcasts reach the person (`/notifications` turns them off and on).
    announcements: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessedUpdate(Base):
    """An update already handled: a redelivery of the same id is ignored."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_id", name="uq_processed_channel_update"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationState(Base):
    """The user's active flow (actions/flows.py): its name, id, step, data and expiry."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    flow_id: Mapped[str] = mapped_column(String(16))  # carried by the flow's buttons
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MessageLog(Base):
    """A user's message and how it was understood and answered."""

    __tablename__ = "message_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    answered: Mapped[bool] = mapped_column(Boolean, default=True)  # understood and answered
    # The delivery of the reply: its status says whether the answer reached the person.
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL")
    )


class Handoff(Base):
    """A user's question forwarded to staff; a staff reply to that message reaches the user."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    staff_chat_id: Mapped[str] = mapped_column(String(64))
    staff_message_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(Base):
    """One message the bot sends: a reply, a reminder, a broadcast, a handoff (the outbox).

    Written in the transaction of what caused it; sent by scheduler/delivery.py after the
    commit. Status: pending → sending → sent | failed | blocked | cancelled, and unknown for a
    row found `sending` after a crash whose kind must not be sent twice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "lane", "channel", "due_at"),
        Index("ix_deliveries_recipient", "channel", "chat_id", "lane", "id"),
        Index("ix_deliveries_kind_ref", "kind", "ref", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply, handoff, staff_answer, broadcast, …
    lane: Mapped[str] = mapped_column(String(8))  # "reply" (to a message) or "bulk"
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    content: Mapped[list[dict[str, object]]] = mapped_column(JSON)  # Reply.to_json() each
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retry_key: Mapped[str] = mapped_column(String(36))  # LINE X-Line-Retry-Key, made at insert
    # Rows of identical content (one broadcast language) that may go out together (multicast);
    # batch_key is the retry key of the multicast request they were claimed in.
    group_key: Mapped[str | None] = mapped_column(String(64))
    batch_key: Mapped[str | None] = mapped_column(String(36), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    reply_token: Mapped[str | None] = mapped_column(String(64))
    reply_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ref: Mapped[str | None] = mapped_column(String(64))  # what it is about (a user id, …)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyResponse(Base):
    """One person's response to a survey (about an event, or none): complete once finished.

    `respondent` keeps one response per person per survey and event: the user id, or for an
    anonymous survey a salted hash (then `user_id` is empty).
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint(
            "survey_id", "event_key", "respondent", name="uq_survey_responses_respondent"
        ),
        Index("ix_survey_responses_survey", "survey_id", "event_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(64), default="")  # event_id or ""
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    respondent: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyAnswer(Base):
    """The answer to one question of a response (a number, an option id, ids, a text, or null)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", name="uq_survey_answers_question"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[object] = mapped_column(JSON, nullable=True)  # None: skipped
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyInvitation(Base):
    """A person invited to a survey (after an event): when, reminded when, finished when."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("survey_id", "event_id", "user_id", name="uq_survey_invitations_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Broadcast(Base):
    """A staff announcement: its message, audience, send time and status.

    Its deliveries are outbox rows of kind "broadcast" whose ref is the broadcast's id; the
    counts (sent, blocked, failed, unknown, pending) are read from them, never stored twice.
    Status: draft → scheduled → sending → done, or cancelled.
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(80))  # "telegram:123", "cli:<login>"
    message: Mapped[dict[str, object]] = mapped_column(JSON)  # the message file, as parsed
    audience: Mapped[str] = mapped_column(Text)
    fallback: Mapped[str | None] = mapped_column(String(8))
    send_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # Where the progress and the final report go ("telegram:<chat id>:<lang>"), when composed
    # in a chat.
    report_to: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The progress message in report_to's chat (its id there, once sent), edited in place,
    # and when it was last queued; reported_at: when the final report was queued (or, with
    # nowhere to report to, when the broadcast was seen finished): then it is left alone.
    progress_message: Mapped[str | None] = mapped_column(String(64))
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StoredImage(Base):
    """An image the bot sends as an upload (a survey chart), kept in the database so that any
    worker can send it, also after a restart (bot/storage/images.py)."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Event(Base):
    """A forum, roundtable, training or volunteer activity (data/events.yml, `events import`).

    Its start and end are kept as written, in the event's own zone (starts_local, naive), and
    in UTC for queries (starts_at): a zone's rules may change, the written local time does not.
    """

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)  # slug, stable across imports
    category: Mapped[str] = mapped_column(String(16), index=True)
    country: Mapped[str | None] = mapped_column(String(2))  # None: regional or online
    timezone: Mapped[str] = mapped_column(String(64))
    starts_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    ends_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[dict[str, str]] = mapped_column(JSON)  # by language
    summary: Mapped[dict[str, str]] = mapped_column(JSON)
    place: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    online_url: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(500))
    survey: Mapped[str | None] = mapped_column(String(64))
    # When its subscribers were invited to its survey, once it had ended (None: not yet).
    survey_invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="scheduled")  # or cancelled
    version: Mapped[int] = mapped_column(Integer, default=1)
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Subscription(Base):
    """A person follows one event (event_id) or every event of a category (category)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_subscriptions_user_event"),
        UniqueConstraint("user_id", "category", name="uq_subscriptions_user_category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
