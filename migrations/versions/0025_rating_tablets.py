"""rating tablets: the tablet at a window paired to its hall without a staff login (pairing code
and device token kept only as hashes), the cases clerks send to it to be rated, and wrong
pairing codes counted per client address

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rating_tablet',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hall_id', sa.Integer(), nullable=False),
        sa.Column('window', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('pairing_code_hash', sa.String(length=64), nullable=True),
        sa.Column('pairing_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('device_token_hash', sa.String(length=64), nullable=True),
        sa.Column('paired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_rating_tablet_hall_id_hall')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_tablet')),
    )
    with op.batch_alter_table('rating_tablet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_tablet_hall_id'), ['hall_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_tablet_pairing_code_hash'), ['pairing_code_hash'], unique=False)

    op.create_table(
        'rating_offer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tablet_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('offered_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['tablet_id'], ['rating_tablet.id'], name=op.f('fk_rating_offer_tablet_id_rating_tablet'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_rating_offer_case_id_case'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offered_by_id'], ['user_account.id'],
                                name=op.f('fk_rating_offer_offered_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_offer')),
    )
    with op.batch_alter_table('rating_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_offer_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_rating_offer_tablet_id_state', ['tablet_id', 'state'], unique=False)

    op.create_table(
        'tablet_pairing_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tablet_pairing_failure')),
    )
    with op.batch_alter_table('tablet_pairing_failure', schema=None) as batch_op:
        batch_op.create_index('ix_tablet_pairing_failure_address_at', ['address', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('tablet_pairing_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_tablet_pairing_failure_address_at')
    op.drop_table('tablet_pairing_failure')
    with op.batch_alter_table('rating_offer', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_offer_tablet_id_state')
        batch_op.drop_index(batch_op.f('ix_rating_offer_case_id'))
    op.drop_table('rating_offer')
    with op.batch_alter_table('rating_tablet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_tablet_pairing_code_hash'))
        batch_op.drop_index(batch_op.f('ix_rating_tablet_hall_id'))
    op.drop_table('rating_tablet')
