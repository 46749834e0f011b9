"""Core tables: people, platform links, roles, groups, memberships, audit log, outbox.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 02:35:31.133475
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('affinity_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('join_policy', sa.String(length=16), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('resources', sa.JSON(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('active_count', sa.Integer(), nullable=False),
    sa.Column('intros_enabled', sa.Boolean(), nullable=False),
    sa.Column('intros_cadence', sa.String(length=16), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affinity_group')),
    sa.UniqueConstraint('slug', name=op.f('uq_affinity_group_slug'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('job_role', sa.String(length=100), nullable=True),
    sa.Column('site', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('dm_ok', sa.Boolean(), nullable=False),
    sa.Column('nudges_ok', sa.Boolean(), nullable=False),
    sa.Column('pending_command', sa.String(length=500), nullable=True),
    sa.Column('pending_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['supervisor_id'], ['person.id'], name=op.f('fk_person_supervisor_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('email', name=op.f('uq_person_email'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_audit_entry_actor_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_audit_entry_group_id_affinity_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_id'], ['person.id'], name=op.f('fk_audit_entry_subject_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_subject_id'), ['subject_id'], unique=False)

    op.create_table('group_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('channel_id', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_group_channel_group_id_affinity_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_channel')),
    sa.UniqueConstraint('platform', 'tenant', 'channel_id', name='uq_group_channel_where')
    )
    with op.batch_alter_table('group_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_channel_group_id'), ['group_id'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('dm_ok', sa.Boolean(), nullable=False),
    sa.Column('nudges_ok', sa.Boolean(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_membership_group_id_affinity_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_membership_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership')),
    sa.UniqueConstraint('person_id', 'group_id', name='uq_membership_person_group')
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index('ix_membership_group_status', ['group_id', 'status'], unique=False)

    op.create_table('outbox_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.JSON(), nullable=True),
    sa.Column('people', sa.JSON(), nullable=True),
    sa.Column('about_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outbox_item_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['about_id'], ['person.id'], name=op.f('fk_outbox_item_about_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_item')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_item_key'))
    )
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_item_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_item_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_item_about_id'), ['about_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_item_person_id'), ['person_id'], unique=False)

    op.create_table('platform_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_platform_link_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_link')),
    sa.UniqueConstraint('platform', 'tenant', 'user_id', name='uq_platform_link_identity')
    )
    with op.batch_alter_table('platform_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_link_person_id'), ['person_id'], unique=False)

    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_role_grant_group_id_affinity_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_role_grant_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_role_grant_person_role', ['person_id', 'role'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_role_grant_person_role')
        batch_op.drop_index(batch_op.f('ix_role_grant_group_id'))

    op.drop_table('role_grant')
    with op.batch_alter_table('platform_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_link_person_id'))

    op.drop_table('platform_link')
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_item_person_id'))
        batch_op.drop_index('ix_outbox_item_due')
        batch_op.drop_index(batch_op.f('ix_outbox_item_group_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_item_about_id'))

    op.drop_table('outbox_item')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_group_status')

    op.drop_table('membership')
    with op.batch_alter_table('group_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_channel_group_id'))

    op.drop_table('group_channel')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_subject_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))

    op.drop_table('audit_entry')
    op.drop_table('person')
    op.drop_table('affinity_group')
