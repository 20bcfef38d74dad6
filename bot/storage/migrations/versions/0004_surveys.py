"""Surveys: responses, their answers, and invitations.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("channel", sa.String(16)),
        sa.Column("country", sa.String(2)),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("completed_at", _TS),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint(
            "survey_id", "event_key", "respondent", name="uq_survey_responses_respondent"
        ),
    )
    op.create_index("ix_survey_responses_survey", "survey_responses", ["survey_id", "event_key"])
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "response_id",
            sa.Integer,
            sa.ForeignKey("survey_responses.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("question_id", sa.String(64), nullable=False),
        sa.Column("value", sa.JSON),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("response_id", "question_id", name="uq_survey_answers_question"),
    )
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("survey_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("invited_at", _TS, nullable=False),
        sa.Column("reminded_at", _TS),
        sa.Column("completed_at", _TS),
        sa.UniqueConstraint("survey_id", "event_id", "user_id", name="uq_survey_invitations_user"),
    )


def downgrade() -> None:
    op.drop_table("survey_invitations")
    op.drop_table("survey_answers")
    op.drop_index("ix_survey_responses_survey", table_name="survey_responses")
    op.drop_table("survey_responses")
