"""Events and subscriptions (to one event or a category).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(48), primary_key=True),
        sa.Column("category", sa.String(16), nullable=False, index=True),
        sa.Column("country", sa.String(2)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("starts_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("ends_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("starts_at", _TS, nullable=False, index=True),
        sa.Column("ends_at", _TS, nullable=False),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("place", sa.JSON, nullable=False),
        sa.Column("online_url", sa.String(500)),
        sa.Column("url", sa.String(500)),
        sa.Column("survey", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("cancel_reason", sa.String(300)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "event_id",
            sa.String(48),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            index=True,
        ),
        sa.Column("category", sa.String(16), index=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("user_id", "event_id", name="uq_subscriptions_user_event"),
        sa.UniqueConstraint("user_id", "category", name="uq_subscriptions_user_category"),
    )


def downgrade() -> None:
    op.drop_table("subscriptions")
    op.drop_table("events")
