"""出具文书: a process version records which of its script tasks issue which document

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 17:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_definition') as batch:
        batch.add_column(sa.Column('document_tasks', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('process_definition') as batch:
        batch.drop_column('document_tasks')
