"""slack installs, replay protection, discord command sync, community removal

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:49:24.466276
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.core.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('discord_command_sync',
    sa.Column('application_id', sa.String(length=32), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('synced_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('application_id', 'scope', name=op.f('pk_discord_command_sync'))
    )
    op.create_table('slack_installations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('enterprise_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('team_name', sa.String(length=200), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('app_id', sa.String(length=32), nullable=False),
    sa.Column('bot_id', sa.String(length=32), nullable=False),
    sa.Column('bot_user_id', sa.String(length=32), nullable=False),
    sa.Column('bot_scopes', sa.Text(), nullable=False),
    sa.Column('secrets', sa.Text(), nullable=False),
    sa.Column('bot_token_expires_at', bot.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('installed_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_installations')),
    sa.UniqueConstraint('client_id', 'enterprise_id', 'team_id', name=op.f('uq_slack_installations_client_id_enterprise_id_team_id'))
    )
    op.create_table('slack_oauth_states',
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('expires_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_slack_oauth_states'))
    )
    with op.batch_alter_table('slack_oauth_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_oauth_states_expires_at'), ['expires_at'], unique=False)

    op.create_table('slack_seen_requests',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('request_at', bot.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_slack_seen_requests'))
    )
    with op.batch_alter_table('slack_seen_requests', schema=None) as batch_op:
        batch_op.create_index('ix_slack_seen_requests_request_at', ['request_at'], unique=False)

    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', bot.core.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('removed_at')

    with op.batch_alter_table('slack_seen_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_slack_seen_requests_request_at')

    op.drop_table('slack_seen_requests')
    with op.batch_alter_table('slack_oauth_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_oauth_states_expires_at'))

    op.drop_table('slack_oauth_states')
    op.drop_table('slack_installations')
    op.drop_table('discord_command_sync')
