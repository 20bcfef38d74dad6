"""Staff broadcasts, and whether a person takes announcements (`/notifications`).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("fallback", sa.String(8)),
        sa.Column("send_at", _TS),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("report_to", sa.String(80)),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("started_at", _TS),
        sa.Column("finished_at", _TS),
    )
    # A broadcast's counts are read from its deliveries (kind "broadcast", ref = its id).
    op.create_index("ix_deliveries_kind_ref", "deliveries", ["kind", "ref", "status"])
    with op.batch_alter_table("users") as table:
        table.add_column(
            sa.Column("announcements", sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.drop_column("announcements")
    op.drop_index("ix_deliveries_kind_ref", "deliveries")
    op.drop_table("broadcasts")
