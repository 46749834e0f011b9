"""Anonymous concerns and their messages: random ids, dates only, no link to people.

Revision ID: 0002_concerns
Revises: 0001
Create Date: 2026-11-25 03:04:15.384315
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_concerns'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('concern',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('site', sa.String(length=200), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('noticed_on', sa.Date(), nullable=True),
    sa.Column('last_dei_on', sa.Date(), nullable=True),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_concern_code_hash')),
    sa.UniqueConstraint('reference', name=op.f('uq_concern_reference')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_filed_on'), ['filed_on'], unique=False)

    op.create_table('concern_message',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('concern_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('noticed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['concern_id'], ['concern.id'], name=op.f('fk_concern_message_concern_id_concern'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_message')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('concern_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_message_concern_id'), ['concern_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('concern_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_message_concern_id'))

    op.drop_table('concern_message')
    with op.batch_alter_table('concern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_filed_on'))

    op.drop_table('concern')
