"""complaints taken by phone or the 12345 hotline keep the hotline's ticket number

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 04:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotline_ticket', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('hotline_ticket')
