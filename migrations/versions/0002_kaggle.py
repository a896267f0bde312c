"""kaggle: competitions, poll state, per-community settings, channel posts, follows, entries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:50:57.792008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kaggle_competitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('reward', sa.String(length=100), nullable=True),
    sa.Column('deadline', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('enabled_date', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('team_count', sa.Integer(), nullable=False),
    sa.Column('evaluation_metric', sa.String(length=200), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('kernels_only', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('first_seen_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaggle_competitions')),
    sa.UniqueConstraint('ref', name=op.f('uq_kaggle_competitions_ref'))
    )
    with op.batch_alter_table('kaggle_competitions', schema=None) as batch_op:
        batch_op.create_index('ix_kaggle_competitions_active_deadline', ['active', 'deadline'], unique=False)

    op.create_table('kaggle_poll_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('competitions_seen', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaggle_poll_state'))
    )
    op.create_table('kaggle_channel_competitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_kaggle_channel_competitions_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competition_id'], ['kaggle_competitions.id'], name=op.f('fk_kaggle_channel_competitions_competition_id_kaggle_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaggle_channel_competitions')),
    sa.UniqueConstraint('community_id', 'competition_id', name=op.f('uq_kaggle_channel_competitions_community_id_competition_id'))
    )
    with op.batch_alter_table('kaggle_channel_competitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kaggle_channel_competitions_competition_id'), ['competition_id'], unique=False)

    op.create_table('kaggle_community_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=True),
    sa.Column('baseline_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_kaggle_community_settings_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaggle_community_settings')),
    sa.UniqueConstraint('community_id', name=op.f('uq_kaggle_community_settings_community_id'))
    )
    op.create_table('kaggle_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_kaggle_entries_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competition_id'], ['kaggle_competitions.id'], name=op.f('fk_kaggle_entries_competition_id_kaggle_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_kaggle_entries_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaggle_entries')),
    sa.UniqueConstraint('member_id', 'competition_id', name=op.f('uq_kaggle_entries_member_id_competition_id'))
    )
    with op.batch_alter_table('kaggle_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kaggle_entries_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kaggle_entries_competition_id'), ['competition_id'], unique=False)

    op.create_table('kaggle_member_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('created_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_kaggle_member_follows_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competition_id'], ['kaggle_competitions.id'], name=op.f('fk_kaggle_member_follows_competition_id_kaggle_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_kaggle_member_follows_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kaggle_member_follows')),
    sa.UniqueConstraint('member_id', 'competition_id', name=op.f('uq_kaggle_member_follows_member_id_competition_id'))
    )
    with op.batch_alter_table('kaggle_member_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kaggle_member_follows_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kaggle_member_follows_competition_id'), ['competition_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('kaggle_member_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kaggle_member_follows_competition_id'))
        batch_op.drop_index(batch_op.f('ix_kaggle_member_follows_community_id'))

    op.drop_table('kaggle_member_follows')
    with op.batch_alter_table('kaggle_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kaggle_entries_competition_id'))
        batch_op.drop_index(batch_op.f('ix_kaggle_entries_community_id'))

    op.drop_table('kaggle_entries')
    op.drop_table('kaggle_community_settings')
    with op.batch_alter_table('kaggle_channel_competitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kaggle_channel_competitions_competition_id'))

    op.drop_table('kaggle_channel_competitions')
    op.drop_table('kaggle_poll_state')
    with op.batch_alter_table('kaggle_competitions', schema=None) as batch_op:
        batch_op.drop_index('ix_kaggle_competitions_active_deadline')

    op.drop_table('kaggle_competitions')
    # ### end Alembic commands ###
