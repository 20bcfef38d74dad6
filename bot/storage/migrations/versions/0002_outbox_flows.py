"""The outbox (deliveries), flows in conversation_states, a message's reply delivery.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("lane", sa.String(8), nullable=False),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_until", _TS),
        sa.Column("retry_key", sa.String(36), nullable=False),
        sa.Column("group_key", sa.String(64)),
        sa.Column("batch_key", sa.String(36), index=True),
        sa.Column("dedupe_key", sa.String(160), unique=True),
        sa.Column("reply_token", sa.String(64)),
        sa.Column("reply_until", _TS),
        sa.Column("ref", sa.String(64)),
        sa.Column("error", sa.String(200)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "lane", "channel", "due_at"])
    op.create_index("ix_deliveries_recipient", "deliveries", ["channel", "chat_id", "lane", "id"])
    # Nothing used conversation_states before flows: recreate it with their columns.
    op.drop_table("conversation_states")
    op.create_table(
        "conversation_states",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("flow_id", sa.String(16), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    with op.batch_alter_table("message_log") as table:
        table.add_column(
            sa.Column(
                "delivery_id",
                sa.Integer,
                sa.ForeignKey("deliveries.id", ondelete="SET NULL", name="fk_message_delivery"),
            )
        )
    with op.batch_alter_table("users") as table:
        table.drop_column("active")


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    with op.batch_alter_table("message_log") as table:
        table.drop_constraint("fk_message_delivery", type_="foreignkey")
        table.drop_column("delivery_id")
    op.drop_table("conversation_states")
    op.create_table(
        "conversation_states",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.drop_table("deliveries")
