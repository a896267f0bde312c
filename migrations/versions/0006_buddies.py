"""buddies tables

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 01:51:33.396101
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "buddy_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("started_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_rounds_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_rounds")),
        sa.UniqueConstraint("key", name=op.f("uq_buddy_rounds_key")),
    )
    with op.batch_alter_table("buddy_rounds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_buddy_rounds_community_started", ["community_id", "started_at"], unique=False
        )

    op.create_table(
        "buddy_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("cadence_weeks", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("round_time", sa.Time(), nullable=False),
        sa.Column("no_repeat_rounds", sa.Integer(), nullable=False),
        sa.Column("next_round_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_round_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_settings_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_settings")),
        sa.UniqueConstraint("community_id", name=op.f("uq_buddy_settings_community_id")),
    )
    with op.batch_alter_table("buddy_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_buddy_settings_next_round_at"), ["next_round_at"], unique=False
        )

    op.create_table(
        "buddy_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["members.id"],
            name=op.f("fk_buddy_blocks_blocked_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_blocks_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_blocks_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_blocks")),
        sa.UniqueConstraint(
            "member_id", "blocked_id", name=op.f("uq_buddy_blocks_member_id_blocked_id")
        ),
    )
    with op.batch_alter_table("buddy_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_buddy_blocks_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "buddy_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("overlap_hours", sa.Float(), nullable=True),
        sa.Column("shared_focus", sa.String(length=300), nullable=False),
        sa.Column("created_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("followup_due_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("followup_sent_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_groups_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["buddy_rounds.id"],
            name=op.f("fk_buddy_groups_round_id_buddy_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_groups")),
    )
    with op.batch_alter_table("buddy_groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_buddy_groups_community_created", ["community_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_buddy_groups_followup", ["followup_sent_at", "followup_due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_buddy_groups_round_id"), ["round_id"], unique=False)

    op.create_table(
        "buddy_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("focus", sa.String(length=300), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("windows", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("rematch_requested_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_profiles_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_profiles_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_profiles")),
        sa.UniqueConstraint("member_id", name=op.f("uq_buddy_profiles_member_id")),
    )
    with op.batch_alter_table("buddy_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_buddy_profiles_community_active", ["community_id", "active"], unique=False
        )

    op.create_table(
        "buddy_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("left_at", bot.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_buddy_group_members_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["buddy_groups.id"],
            name=op.f("fk_buddy_group_members_group_id_buddy_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_buddy_group_members_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_group_members")),
        sa.UniqueConstraint(
            "group_id", "member_id", name=op.f("uq_buddy_group_members_group_id_member_id")
        ),
    )
    with op.batch_alter_table("buddy_group_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_buddy_group_members_member", ["member_id", "group_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("buddy_group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_buddy_group_members_member")

    op.drop_table("buddy_group_members")
    with op.batch_alter_table("buddy_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_buddy_profiles_community_active")

    op.drop_table("buddy_profiles")
    with op.batch_alter_table("buddy_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buddy_groups_round_id"))
        batch_op.drop_index("ix_buddy_groups_followup")
        batch_op.drop_index("ix_buddy_groups_community_created")

    op.drop_table("buddy_groups")
    with op.batch_alter_table("buddy_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buddy_blocks_community_id"))

    op.drop_table("buddy_blocks")
    with op.batch_alter_table("buddy_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buddy_settings_next_round_at"))

    op.drop_table("buddy_settings")
    with op.batch_alter_table("buddy_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_buddy_rounds_community_started")

    op.drop_table("buddy_rounds")
