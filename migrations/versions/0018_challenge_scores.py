"""challenge_scores (+ counts per points): leaderboard points per member and period, backfilled

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The first local date of the period that holds the post's local date, per dialect:
# weeks start on Monday (ISO), months on the 1st; all time has one row per member.
_STARTS = {
    "postgresql": {
        "week": "CAST(date_trunc('week', p.local_date) AS DATE)",
        "month": "CAST(date_trunc('month', p.local_date) AS DATE)",
        "all": "DATE '1970-01-01'",
    },
    "sqlite": {
        "week": "date(p.local_date, 'weekday 0', '-6 days')",
        "month": "date(p.local_date, 'start of month')",
        "all": "'1970-01-01'",
    },
}


def upgrade() -> None:
    op.create_table(
        "challenge_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("last_correct_at", bot.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_challenge_scores_community_id_communities"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_challenge_scores_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_scores")),
        sa.UniqueConstraint("community_id", "member_id", "period", "period_start",
                            name=op.f("uq_challenge_scores_community_id_member_id_period_period_start")),
    )
    op.create_table(
        "challenge_score_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_challenge_score_counts_community_id_communities"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_score_counts")),
        sa.UniqueConstraint("community_id", "period", "period_start", "points", "shard",
                            name=op.f("uq_challenge_score_counts_community_id_period_period_start_points_shard")),
    )
    with op.batch_alter_table("challenge_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_scores_rank",
            ["community_id", "period", "period_start", sa.text("points DESC"),
             "last_correct_at", "member_id"],
            unique=False,
        )
    # A member named in a command is looked up case-insensitively by name or platform id.
    op.create_index("ix_members_community_lower_name", "members",
                    ["community_id", sa.text("lower(display_name)")])
    op.create_index("ix_members_community_lower_user", "members",
                    ["community_id", sa.text("lower(platform_user_id)")])
    starts = _STARTS[op.get_bind().dialect.name]
    for period in ("week", "month", "all"):
        # Correct graded daily answers only: practice and reviews live in other tables.
        op.execute(
            "INSERT INTO challenge_scores"
            " (community_id, member_id, period, period_start, points, last_correct_at)"
            f" SELECT a.community_id, a.member_id, '{period}', {starts[period]},"
            " count(*), max(a.created_at)"
            " FROM challenge_attempts a JOIN challenge_posts p ON p.id = a.post_id"
            " WHERE a.correct"
            " GROUP BY a.community_id, a.member_id"
            + ("" if period == "all" else f", {starts[period]}")
        )
    # How many members have each number of points, split over 8 shards by member id
    # (SCORE_SHARDS in bot/features/challenges/models.py).
    op.execute(
        "INSERT INTO challenge_score_counts"
        " (community_id, period, period_start, points, shard, members)"
        " SELECT community_id, period, period_start, points, member_id % 8, count(*)"
        " FROM challenge_scores"
        " GROUP BY community_id, period, period_start, points, member_id % 8"
    )


def downgrade() -> None:
    op.drop_index("ix_members_community_lower_user", table_name="members")
    op.drop_index("ix_members_community_lower_name", table_name="members")
    with op.batch_alter_table("challenge_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_scores_rank")
    op.drop_table("challenge_scores")
    op.drop_table("challenge_score_counts")
