"""delivery that reaches people: the method the applicant chose when applying (and the mailing
address), the carrier a result was mailed with, who collected it at the window

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 21:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_choice', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('mail_address', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('carrier', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('collected_by', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('collected_by')
        batch_op.drop_column('carrier')
        batch_op.drop_column('mail_address')
        batch_op.drop_column('delivery_choice')
