"""When an ended event's subscribers were invited to its survey (events.survey_invited_at).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as table:
        table.add_column(sa.Column("survey_invited_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("events") as table:
        table.drop_column("survey_invited_at")
