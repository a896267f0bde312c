"""community_counters: one race-free allocator for per-community numbers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_counters",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_community_counters_community_id_communities"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id", "kind", name=op.f("pk_community_counters")),
    )
    # Goals numbered before the allocator existed continue from their highest number.
    op.execute(
        "INSERT INTO community_counters (community_id, kind, value) "
        "SELECT community_id, 'goal', MAX(number) FROM goals GROUP BY community_id"
    )


def downgrade() -> None:
    op.drop_table("community_counters")
