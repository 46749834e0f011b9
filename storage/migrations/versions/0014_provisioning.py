"""SCIM provisioning: the identity system's ids for a person, and a record of its requests.

Revision ID: 0014_provisioning
Revises: 0013_eligibility_facts
Create Date: 2026-12-06 22:40:00.000000
"""

from alembic import op
import sqlalchemy as sa



revision = '0014_provisioning'
down_revision = '0013_eligibility_facts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('provisioned_person',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('user_name', sa.String(length=320), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_provisioned_person_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_provisioned_person')),
    sa.UniqueConstraint('user_name', name=op.f('uq_provisioned_person_user_name')),
    sa.UniqueConstraint('external_id', name=op.f('uq_provisioned_person_external_id')),
    )
    op.create_table('provisioning_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('resource', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('scim_type', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provisioning_event'))
    )
    op.create_index('ix_provisioning_event_at', 'provisioning_event', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_provisioning_event_at', table_name='provisioning_event')
    op.drop_table('provisioning_event')
    op.drop_table('provisioned_person')
