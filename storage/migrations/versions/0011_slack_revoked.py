"""Slack workspaces that revoked the app's token or uninstalled it: nothing is sent there until
the app is installed again.

Revision ID: 0011_slack_revoked
Revises: 0010_teams_service_url
Create Date: 2026-12-06 21:20:00.000000
"""

from alembic import op
import sqlalchemy as sa



revision = '0011_slack_revoked'
down_revision = '0010_teams_service_url'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_revocation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant'),
    )


def downgrade() -> None:
    op.drop_table('slack_revocation')
