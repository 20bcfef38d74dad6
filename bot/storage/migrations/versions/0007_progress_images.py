"""Broadcast progress edited in place and the final report's bookkeeping; stored images.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("broadcasts") as table:
        table.add_column(sa.Column("progress_message", sa.String(64)))
        table.add_column(sa.Column("progress_at", _TS))
        table.add_column(sa.Column("reported_at", _TS))
    # Broadcasts finished before this revision were reported (or never will be): leave them be.
    op.execute(
        "UPDATE broadcasts SET reported_at = COALESCE(finished_at, created_at)"
        " WHERE status IN ('done', 'cancelled')"
    )
    op.create_table(
        "images",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TS, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("images")
    with op.batch_alter_table("broadcasts") as table:
        table.drop_column("reported_at")
        table.drop_column("progress_at")
        table.drop_column("progress_message")
