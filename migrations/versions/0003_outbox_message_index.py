"""outbox: index posted messages by platform message id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 02:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_index("ix_outbox_platform_message", ["platform", "platform_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_platform_message")
