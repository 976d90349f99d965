"""seal keys by key id (verification survives key rotation); pickup-code lockout counters;
an index for finding decisions among case events (statistics)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # The current key is registered here by the application on first use (its private half
    # lives in the instance folder, which a migration does not read).
    op.create_table('seal_key',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('office', sa.String(length=200), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_seal_key'))
    )

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pickup_code_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pickup_code_lockouts', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_kind_at', ['kind', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_kind_at')

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('pickup_code_lockouts')
        batch_op.drop_column('pickup_code_failures')

    op.drop_table('seal_key')
