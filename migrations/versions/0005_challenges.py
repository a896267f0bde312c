"""challenges tables: settings, posts, attempts, practice, ratings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:52:24.353749
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('challenge_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('topic', sa.String(length=32), nullable=True),
    sa.Column('step', sa.String(length=16), nullable=True),
    sa.Column('difficulty', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.String(length=64), nullable=True),
    sa.Column('posted_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reveal_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revealed_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_challenge_posts_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_posts')),
    sa.UniqueConstraint('community_id', 'local_date', name=op.f('uq_challenge_posts_community_id_local_date'))
    )
    with op.batch_alter_table('challenge_posts', schema=None) as batch_op:
        batch_op.create_index('ix_challenge_posts_community_item', ['community_id', 'item_id'], unique=False)
        batch_op.create_index('ix_challenge_posts_status_reveal', ['status', 'reveal_at'], unique=False)

    op.create_table('challenge_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.String(length=40), nullable=False),
    sa.Column('ramp', sa.String(length=20), nullable=False),
    sa.Column('reveal_time', sa.Time(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_challenge_settings_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_settings')),
    sa.UniqueConstraint('community_id', name=op.f('uq_challenge_settings_community_id'))
    )
    op.create_table('challenge_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=200), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_challenge_attempts_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_challenge_attempts_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['challenge_posts.id'], name=op.f('fk_challenge_attempts_post_id_challenge_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_attempts')),
    sa.UniqueConstraint('post_id', 'member_id', name=op.f('uq_challenge_attempts_post_id_member_id'))
    )
    with op.batch_alter_table('challenge_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_challenge_attempts_member', ['community_id', 'member_id'], unique=False)

    op.create_table('challenge_practice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('created_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=200), nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=True),
    sa.Column('answered_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_challenge_practice_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_challenge_practice_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_practice'))
    )
    with op.batch_alter_table('challenge_practice', schema=None) as batch_op:
        batch_op.create_index('ix_challenge_practice_member', ['community_id', 'member_id'], unique=False)

    op.create_table('challenge_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Float(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('updated_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_challenge_ratings_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_challenge_ratings_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_ratings')),
    sa.UniqueConstraint('member_id', 'topic', name=op.f('uq_challenge_ratings_member_id_topic'))
    )
    with op.batch_alter_table('challenge_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_ratings_community_id'), ['community_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('challenge_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_ratings_community_id'))

    op.drop_table('challenge_ratings')
    with op.batch_alter_table('challenge_practice', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_practice_member')

    op.drop_table('challenge_practice')
    with op.batch_alter_table('challenge_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_attempts_member')

    op.drop_table('challenge_attempts')
    op.drop_table('challenge_settings')
    with op.batch_alter_table('challenge_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_challenge_posts_status_reveal')
        batch_op.drop_index('ix_challenge_posts_community_item')

    op.drop_table('challenge_posts')
