"""Meetings, RSVPs, onboarding journeys, and the dispatcher's claim on outbox items

Revision ID: 0005_delivery
Revises: 0004_slack
Create Date: 2026-12-01 08:04:21.904590
"""

from alembic import op
import sqlalchemy as sa



revision = '0005_delivery'
down_revision = '0004_slack'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('local_start', sa.DateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('recurrence', sa.String(length=16), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['person.id'], name=op.f('fk_meeting_created_by_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_meeting_group_id_affinity_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_created_by'), ['created_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_group_id'), ['group_id'], unique=False)

    op.create_table('onboarding_journey',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('anchor_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('steps_queued', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_onboarding_journey_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_onboarding_journey'))
    )
    with op.batch_alter_table('onboarding_journey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_journey_anchor_on'), ['anchor_on'], unique=False)

    op.create_table('meeting_rsvp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('occurs_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_rsvp_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_meeting_rsvp_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_rsvp')),
    sa.UniqueConstraint('meeting_id', 'occurs_at', 'person_id', name='uq_meeting_rsvp_answer')
    )
    with op.batch_alter_table('meeting_rsvp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_rsvp_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_rsvp_person_id'), ['person_id'], unique=False)

    op.create_table('meeting_skip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('occurs_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_skip_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_skip')),
    sa.UniqueConstraint('meeting_id', 'occurs_at', name='uq_meeting_skip_occurrence')
    )
    with op.batch_alter_table('meeting_skip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_skip_meeting_id'), ['meeting_id'], unique=False)

    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivered_ref', sa.String(length=200), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('outbox_item', schema=None) as batch_op:
        batch_op.drop_column('delivered_ref')
        batch_op.drop_column('claimed_by')

    with op.batch_alter_table('meeting_skip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_skip_meeting_id'))

    op.drop_table('meeting_skip')
    with op.batch_alter_table('meeting_rsvp', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_rsvp_person_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_rsvp_meeting_id'))

    op.drop_table('meeting_rsvp')
    with op.batch_alter_table('onboarding_journey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_journey_anchor_on'))

    op.drop_table('onboarding_journey')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_group_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_created_by'))

    op.drop_table('meeting')
