"""Teams channels and group chats the bot has been in (no people, no times).

Revision ID: 0003_teams
Revises: 0002_concerns
Create Date: 2026-11-25 03:21:24.503521
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_teams'
down_revision = '0002_concerns'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('conversation_id', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('service_url', sa.String(length=500), nullable=False),
    sa.Column('bot_id', sa.String(length=200), nullable=False),
    sa.Column('team_id', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams_conversation')),
    sa.UniqueConstraint('tenant', 'conversation_id', name='uq_teams_conversation_where')
    )


def downgrade() -> None:
    op.drop_table('teams_conversation')
