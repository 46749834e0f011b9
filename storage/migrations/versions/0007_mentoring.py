"""Mentoring and peer intros: profiles, matches, intro opt-ins, do-not-pair rows and past rounds.

Revision ID: 0007_mentoring
Revises: 0006_announcements
Create Date: 2026-12-01 09:05:58.199093
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_mentoring'
down_revision = '0006_announcements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intro_avoid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('avoid_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['avoid_id'], ['person.id'], name=op.f('fk_intro_avoid_avoid_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_intro_avoid_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_avoid')),
    sa.UniqueConstraint('person_id', 'avoid_id', name='uq_intro_avoid_person_avoid')
    )
    with op.batch_alter_table('intro_avoid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intro_avoid_avoid_id'), ['avoid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intro_avoid_person_id'), ['person_id'], unique=False)

    op.create_table('intro_opt_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('snooze_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_intro_opt_in_group_id_affinity_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_intro_opt_in_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_opt_in')),
    sa.UniqueConstraint('person_id', 'group_id', name='uq_intro_opt_in_person_group')
    )
    with op.batch_alter_table('intro_opt_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intro_opt_in_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intro_opt_in_person_id'), ['person_id'], unique=False)

    op.create_table('intro_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('relaxed', sa.Integer(), nullable=False),
    sa.Column('followed_up', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['affinity_group.id'], name=op.f('fk_intro_round_group_id_affinity_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_round')),
    sa.UniqueConstraint('group_id', 'number', name='uq_intro_round_group_number')
    )
    with op.batch_alter_table('intro_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intro_round_group_id'), ['group_id'], unique=False)

    op.create_table('mentor_match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mentee_answer', sa.String(length=8), nullable=True),
    sa.Column('mentor_answer', sa.String(length=8), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('introduced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['person.id'], name=op.f('fk_mentor_match_mentee_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['person.id'], name=op.f('fk_mentor_match_mentor_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_match'))
    )
    with op.batch_alter_table('mentor_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_match_mentee_id'), ['mentee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_match_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('ix_mentor_match_state', ['state'], unique=False)

    op.create_table('mentor_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('site', sa.String(length=200), nullable=True),
    sa.Column('job_role', sa.String(length=100), nullable=True),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('grade_band', sa.String(length=32), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('match_groups', sa.JSON(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_mentor_profile_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_profile')),
    sa.UniqueConstraint('person_id', 'role', name='uq_mentor_profile_person_role')
    )
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_profile_person_id'), ['person_id'], unique=False)

    op.create_table('intro_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['intro_round.id'], name=op.f('fk_intro_pair_round_id_intro_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_pair'))
    )
    with op.batch_alter_table('intro_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intro_pair_round_id'), ['round_id'], unique=False)

    op.create_table('intro_pair_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['pair_id'], ['intro_pair.id'], name=op.f('fk_intro_pair_member_pair_id_intro_pair'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_intro_pair_member_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intro_pair_member')),
    sa.UniqueConstraint('pair_id', 'person_id', name='uq_intro_pair_member_pair_person')
    )
    with op.batch_alter_table('intro_pair_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intro_pair_member_pair_id'), ['pair_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intro_pair_member_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('intro_pair_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intro_pair_member_person_id'))
        batch_op.drop_index(batch_op.f('ix_intro_pair_member_pair_id'))

    op.drop_table('intro_pair_member')
    with op.batch_alter_table('intro_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intro_pair_round_id'))

    op.drop_table('intro_pair')
    with op.batch_alter_table('mentor_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_profile_person_id'))

    op.drop_table('mentor_profile')
    with op.batch_alter_table('mentor_match', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_match_state')
        batch_op.drop_index(batch_op.f('ix_mentor_match_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_match_mentee_id'))

    op.drop_table('mentor_match')
    with op.batch_alter_table('intro_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intro_round_group_id'))

    op.drop_table('intro_round')
    with op.batch_alter_table('intro_opt_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intro_opt_in_person_id'))
        batch_op.drop_index(batch_op.f('ix_intro_opt_in_group_id'))

    op.drop_table('intro_opt_in')
    with op.batch_alter_table('intro_avoid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intro_avoid_person_id'))
        batch_op.drop_index(batch_op.f('ix_intro_avoid_avoid_id'))

    op.drop_table('intro_avoid')
