"""Meeting reminders planned ahead: one row per occurrence, offset and time zone, and each meeting's horizon

Revision ID: 0008_nudge_plan
Revises: 0007_mentoring
Create Date: 2026-12-01 11:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_nudge_plan'
down_revision = '0007_mentoring'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nudge_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('occurs_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_nudge_plan_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge_plan')),
    sa.UniqueConstraint('meeting_id', 'occurs_at', 'label', 'zone', name='uq_nudge_plan_reminder')
    )
    with op.batch_alter_table('nudge_plan', schema=None) as batch_op:
        batch_op.create_index('ix_nudge_plan_state_due_at', ['state', 'due_at'], unique=False)

    op.create_table('nudge_horizon',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('planned_until', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_nudge_horizon_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_nudge_horizon'))
    )
    with op.batch_alter_table('nudge_horizon', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nudge_horizon_planned_until'), ['planned_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nudge_horizon', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_horizon_planned_until'))
    op.drop_table('nudge_horizon')
    with op.batch_alter_table('nudge_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_nudge_plan_state_due_at')
    op.drop_table('nudge_plan')
