"""failure_notices: who set each community channel, so failure notices reach them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 11:10:00

Rows set before this revision keep a null `set_by_member_id`: their notices go to the
community's other known admins (members who set any channel), see core/failnotice.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("community_channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("set_by_member_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_community_channels_set_by_member_id_members"),
            "members", ["set_by_member_id"], ["id"], ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("community_channels", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_community_channels_set_by_member_id_members"),
                                 type_="foreignkey")
        batch_op.drop_column("set_by_member_id")
