"""staff-contact records (art. 18): steps that allow applicant contact, contacts, flags

The task row carries the contact kind its step declares (NULL: contact not allowed; tasks of
versions deployed before are NULL, as their BPMN declares nothing). Contacts are recorded per
case; one at a step that allows none is flagged until a supervisor reviews it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 21:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_contact', sa.String(length=32), nullable=True))

    op.create_table('contact_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('contact_kind', sa.String(length=32), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('flag_reason', sa.String(length=300), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_contact_record_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_contact_record_hall_id_hall')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_contact_record_task_id_task'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_contact_record_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_contact_record_reviewed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_record'))
    )
    with op.batch_alter_table('contact_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_record_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_contact_record_hall_flagged', ['hall_id', 'flagged'], unique=False)


def downgrade():
    with op.batch_alter_table('contact_record', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_record_hall_flagged')
        batch_op.drop_index(batch_op.f('ix_contact_record_case_id'))

    op.drop_table('contact_record')

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('applicant_contact')
