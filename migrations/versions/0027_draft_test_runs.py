"""draft test runs: the modeler's 试运行 keeps a sandbox instance of a draft, its clock and its
recorded path

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 17:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'draft_test_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('draft_revision', sa.Integer(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sandbox_now', sa.DateTime(timezone=True), nullable=False),
        sa.Column('start_data', sa.JSON(), nullable=False),
        sa.Column('steps', sa.JSON(), nullable=False),
        sa.Column('state', sa.Text(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['draft_id'], ['process_draft.id'], name=op.f('fk_draft_test_run_draft_id_process_draft'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'],
                                name=op.f('fk_draft_test_run_started_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_test_run')),
        sa.UniqueConstraint('draft_id', name=op.f('uq_draft_test_run_draft_id')),
    )


def downgrade():
    op.drop_table('draft_test_run')
