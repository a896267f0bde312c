"""outbox: exactly-once delivery (sending mark, per-destination order index) and stored DM channels

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.core.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("sending_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_destination", ["platform", "kind", "target", "status"], unique=False)
    op.create_table(
        "dm_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name="fk_dm_channels_community_id_communities", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name="fk_dm_channels_member_id_members", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_dm_channels"),
        sa.UniqueConstraint("member_id", "platform", name="uq_dm_channels_member_id_platform"),
    )
    op.create_index("ix_dm_channels_community_id", "dm_channels", ["community_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dm_channels_community_id", table_name="dm_channels")
    op.drop_table("dm_channels")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_destination")
        batch_op.drop_column("sending_at")
