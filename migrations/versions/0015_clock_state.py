"""clock_state: the console's simulated clock survives a restart

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clock_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("offset_seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_clock_state")),
    )


def downgrade() -> None:
    op.drop_table("clock_state")
