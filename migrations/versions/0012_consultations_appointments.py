"""consultations (咨询) and appointments (预约): slots, bookings

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 21:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('asker_name', sa.String(length=100), nullable=True),
    sa.Column('asker_phone', sa.String(length=32), nullable=True),
    sa.Column('asker_email', sa.String(length=254), nullable=True),
    sa.Column('first_responder', sa.String(length=64), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('client_bucket', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_consultation_hall_id_hall')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_consultation_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation'))
    )
    op.create_index('ix_consultation_hall_state', 'consultation', ['hall_id', 'state'], unique=False)
    op.create_index('ix_consultation_bucket_created', 'consultation', ['client_bucket', 'created_at'], unique=False)
    op.create_index(op.f('ix_consultation_item_id'), 'consultation', ['item_id'], unique=False)
    op.create_index(op.f('ix_consultation_first_responder'), 'consultation', ['first_responder'], unique=False)
    op.create_table('appointment_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('window_group', sa.String(length=64), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts', sa.String(length=5), nullable=False),
    sa.Column('ends', sa.String(length=5), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appointment_slot_hall_id_hall')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_appointment_slot_item_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_slot')),
    sa.UniqueConstraint('hall_id', 'scope', 'day', 'starts', name='uq_appointment_slot_when')
    )
    op.create_index('ix_appointment_slot_hall_day', 'appointment_slot', ['hall_id', 'day'], unique=False)
    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_no', sa.String(length=24), nullable=True),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id_type', sa.String(length=8), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('booked_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.String(length=64), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['applicant_account.id'], name=op.f('fk_appointment_account_id_applicant_account')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_appointment_case_id_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_appointment_hall_id_hall')),
    sa.ForeignKeyConstraint(['item_id'], ['service_item.id'], name=op.f('fk_appointment_item_id_service_item')),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slot.id'], name=op.f('fk_appointment_slot_id_appointment_slot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment')),
    sa.UniqueConstraint('booking_no', name=op.f('uq_appointment_booking_no'))
    )
    op.create_index('ix_appointment_hall_day', 'appointment', ['hall_id', 'day'], unique=False)
    op.create_index(op.f('ix_appointment_slot_id'), 'appointment', ['slot_id'], unique=False)
    op.create_index(op.f('ix_appointment_account_id'), 'appointment', ['account_id'], unique=False)
    # one active booking per person, item and day
    op.create_index('uq_appointment_active', 'appointment', ['id_number', 'item_id', 'day'], unique=True,
                    sqlite_where=sa.text("state != 'cancelled'"), postgresql_where=sa.text("state != 'cancelled'"))


def downgrade():
    op.drop_table('appointment')
    op.drop_table('appointment_slot')
    op.drop_table('consultation')
