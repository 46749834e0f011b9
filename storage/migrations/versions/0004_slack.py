"""Slack installations (bot tokens per workspace or org) and OAuth states, for multi-workspace installs.

Revision ID: 0004_slack
Revises: 0003_teams
Create Date: 2026-11-25 03:29:25.585576
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_slack'
down_revision = '0003_teams'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_installation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('app_id', sa.String(length=64), nullable=True),
    sa.Column('enterprise_id', sa.String(length=64), nullable=True),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('team_name', sa.String(length=200), nullable=True),
    sa.Column('is_enterprise_install', sa.Boolean(), nullable=False),
    sa.Column('bot_token', sa.Text(), nullable=False),
    sa.Column('bot_id', sa.String(length=64), nullable=True),
    sa.Column('bot_user_id', sa.String(length=64), nullable=True),
    sa.Column('bot_scopes', sa.Text(), nullable=False),
    sa.Column('bot_refresh_token', sa.Text(), nullable=True),
    sa.Column('bot_token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('installer_user_id', sa.String(length=64), nullable=True),
    sa.Column('installed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_installation'))
    )
    with op.batch_alter_table('slack_installation', schema=None) as batch_op:
        batch_op.create_index('ix_slack_installation_where', ['client_id', 'enterprise_id', 'team_id', 'installed_at'], unique=False)

    op.create_table('slack_oauth_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slack_oauth_state')),
    sa.UniqueConstraint('state', name=op.f('uq_slack_oauth_state_state'))
    )
    with op.batch_alter_table('slack_oauth_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_oauth_state_expires_at'), ['expires_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('slack_oauth_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_oauth_state_expires_at'))

    op.drop_table('slack_oauth_state')
    with op.batch_alter_table('slack_installation', schema=None) as batch_op:
        batch_op.drop_index('ix_slack_installation_where')

    op.drop_table('slack_installation')
