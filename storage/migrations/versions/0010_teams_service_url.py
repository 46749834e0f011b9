"""Teams service URLs learned from validated Bot Framework tokens: the only addresses the
connector calls. Starts empty on purpose: a reference stored before this revision may hold an
address taken from an unauthenticated body, so each regional URL is trusted again only once a
token names it (the first authenticated activity from that region).

Revision ID: 0010_teams_service_url
Revises: 0009_cache_generation
Create Date: 2026-12-06 21:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_teams_service_url'
down_revision = '0009_cache_generation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams_service_url',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams_service_url')),
    sa.UniqueConstraint('url', name=op.f('uq_teams_service_url_url'))
    )


def downgrade() -> None:
    op.drop_table('teams_service_url')
