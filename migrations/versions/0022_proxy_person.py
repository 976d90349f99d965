"""walk-in intake: the person who files an application for the applicant (代办: a relative, a
colleague, a community station's proxy clerk), recorded on the case

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proxy_name', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('proxy_id_number', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('proxy_relation', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('proxy_relation')
        batch_op.drop_column('proxy_id_number')
        batch_op.drop_column('proxy_name')
