"""mock interviews: profiles, weekly round settings, rounds, sessions and seats

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:38:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mock_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('started_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.Column('pool_size', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_mock_rounds_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mock_rounds')),
    sa.UniqueConstraint('key', name=op.f('uq_mock_rounds_key'))
    )
    with op.batch_alter_table('mock_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_mock_rounds_community_started', ['community_id', 'started_at'], unique=False)

    op.create_table('mock_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('round_time', sa.Time(), nullable=False),
    sa.Column('next_round_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_round_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_mock_settings_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mock_settings')),
    sa.UniqueConstraint('community_id', name=op.f('uq_mock_settings_community_id'))
    )
    with op.batch_alter_table('mock_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mock_settings_next_round_at'), ['next_round_at'], unique=False)

    op.create_table('mock_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('interview_type', sa.String(length=32), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('days', sa.String(length=40), nullable=False),
    sa.Column('windows', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('no_show_streak', sa.Integer(), nullable=False),
    sa.Column('created_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_mock_profiles_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_mock_profiles_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mock_profiles')),
    sa.UniqueConstraint('member_id', name=op.f('uq_mock_profiles_member_id'))
    )
    with op.batch_alter_table('mock_profiles', schema=None) as batch_op:
        batch_op.create_index('ix_mock_profiles_community_active', ['community_id', 'active'], unique=False)

    op.create_table('mock_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('slot_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('feedback_due_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('feedback_sent_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_mock_sessions_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['mock_rounds.id'], name=op.f('fk_mock_sessions_round_id_mock_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mock_sessions'))
    )
    with op.batch_alter_table('mock_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_mock_sessions_community_created', ['community_id', 'created_at'], unique=False)
        batch_op.create_index('ix_mock_sessions_feedback', ['feedback_sent_at', 'feedback_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mock_sessions_round_id'), ['round_id'], unique=False)

    op.create_table('mock_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('prompt_id', sa.String(length=64), nullable=False),
    sa.Column('partner_showed', sa.Boolean(), nullable=True),
    sa.Column('scores', sa.String(length=40), nullable=True),
    sa.Column('strength', sa.Text(), nullable=True),
    sa.Column('improve', sa.Text(), nullable=True),
    sa.Column('answered_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_mock_seats_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_mock_seats_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['members.id'], name=op.f('fk_mock_seats_partner_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['mock_sessions.id'], name=op.f('fk_mock_seats_session_id_mock_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mock_seats')),
    sa.UniqueConstraint('session_id', 'member_id', name=op.f('uq_mock_seats_session_id_member_id'))
    )
    with op.batch_alter_table('mock_seats', schema=None) as batch_op:
        batch_op.create_index('ix_mock_seats_member', ['member_id', 'session_id'], unique=False)
        batch_op.create_index('ix_mock_seats_partner', ['partner_id'], unique=False)



def downgrade() -> None:
    for table in ("mock_seats", "mock_sessions", "mock_profiles", "mock_settings", "mock_rounds"):
        op.drop_table(table)
