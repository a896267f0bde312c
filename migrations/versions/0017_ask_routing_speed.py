"""ask: routing reads a day of pings and a topic's best ratings by index; answers written in a
question's thread (no text)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("challenge_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_challenge_ratings_topic_rating", ["community_id", "topic", "rating"],
                              unique=False)
    with op.batch_alter_table("ask_pings", schema=None) as batch_op:
        batch_op.create_index("ix_ask_pings_recent", ["community_id", "created_at"], unique=False)
    with op.batch_alter_table("ask_answers", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # Answers written in the thread have no text; they keep an empty one.
    op.execute("UPDATE ask_answers SET text = '' WHERE text IS NULL")
    with op.batch_alter_table("ask_answers", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("ask_pings", schema=None) as batch_op:
        batch_op.drop_index("ix_ask_pings_recent")
    with op.batch_alter_table("challenge_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_ratings_topic_rating")
