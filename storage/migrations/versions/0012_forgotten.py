"""Forgotten stays forgotten: a keyed hash of each forgotten e-mail, and the installation's key.

Revision ID: 0012_forgotten
Revises: 0011_slack_revoked
Create Date: 2026-12-06 21:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_forgotten'
down_revision = '0011_slack_revoked'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('installation_secret',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_installation_secret'))
    )
    op.create_table('forgotten_email',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_forgotten_email'))
    )


def downgrade() -> None:
    op.drop_table('forgotten_email')
    op.drop_table('installation_secret')
