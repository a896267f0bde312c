"""checkins tables: schedules (next due instant, indexed), periods, community settings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:51:50.774185
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("digest_weekday", sa.SmallInteger(), nullable=True),
        sa.Column("digest_time", sa.Time(), nullable=True),
        sa.Column("digest_last_week", sa.String(length=10), nullable=True),
        sa.Column("reminders", sa.SmallInteger(), nullable=False),
        sa.Column("reminder_delay_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_checkin_settings_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_settings")),
        sa.UniqueConstraint("community_id", name=op.f("uq_checkin_settings_community_id")),
    )
    op.create_table(
        "checkin_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("starts_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("did", sa.Text(), nullable=True),
        sa.Column("next_plan", sa.Text(), nullable=True),
        sa.Column("blockers", sa.Text(), nullable=True),
        sa.Column("remind_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_checkin_periods_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_checkin_periods_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_periods")),
        sa.UniqueConstraint(
            "member_id", "period_key", name=op.f("uq_checkin_periods_member_id_period_key")
        ),
    )
    with op.batch_alter_table("checkin_periods", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_periods_community_date", ["community_id", "local_date"], unique=False
        )
        batch_op.create_index(
            "ix_checkin_periods_member_starts", ["member_id", "starts_at"], unique=False
        )
        batch_op.create_index("ix_checkin_periods_remind_at", ["remind_at"], unique=False)

    op.create_table(
        "checkin_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("next_due_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("current_period_id", sa.Integer(), nullable=True),
        sa.Column("share", sa.Boolean(), nullable=False),
        sa.Column("last_plan", sa.Text(), nullable=True),
        sa.Column("current_streak", sa.Integer(), nullable=False),
        sa.Column("best_streak", sa.Integer(), nullable=False),
        sa.Column("missed_run", sa.Integer(), nullable=False),
        sa.Column("missed_since", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_checkin_schedules_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_checkin_schedules_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_schedules")),
        sa.UniqueConstraint("member_id", name=op.f("uq_checkin_schedules_member_id")),
    )
    with op.batch_alter_table("checkin_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_schedules_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index("ix_checkin_schedules_next_due_at", ["next_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin_schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_schedules_next_due_at")
        batch_op.drop_index(batch_op.f("ix_checkin_schedules_community_id"))

    op.drop_table("checkin_schedules")
    with op.batch_alter_table("checkin_periods", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_periods_remind_at")
        batch_op.drop_index("ix_checkin_periods_member_starts")
        batch_op.drop_index("ix_checkin_periods_community_date")

    op.drop_table("checkin_periods")
    op.drop_table("checkin_settings")
