"""Announcements: a facilitator's message to their group, kept between the preview and Send.

Revision ID: 0006_announcements
Revises: 0005_delivery
Create Date: 2026-12-01 08:09:49.061467
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_announcements'
down_revision = '0005_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_announcement_author_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_announcement_group_id_affinity_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_group_id'), ['group_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_group_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_author_id'))

    op.drop_table('announcement')
