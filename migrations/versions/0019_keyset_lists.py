"""keyset lists: the task's sort key (its due time, undated last) and indexes in each list's order

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 07:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_due', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    far = "9999-12-31 00:00:00" if bind.dialect.name == "sqlite" else "9999-12-31 00:00:00+00"
    bind.execute(sa.text("UPDATE task SET sort_due = COALESCE(due_at, :far)"), {"far": far})
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.alter_column('sort_due', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_index('ix_task_inbox')
        batch_op.create_index('ix_task_inbox', ['state', 'role', 'hall_id', 'sort_due', 'created_at', 'case_id', 'id'],
                              unique=False)
        batch_op.create_index('ix_task_queue', ['state', 'sort_due', 'created_at', 'case_id', 'id'], unique=False)
        batch_op.create_index('ix_task_done', ['state', 'completed_at', 'case_id', 'id'], unique=False)
        batch_op.create_index('ix_task_hall_done', ['state', 'hall_id', 'completed_at', 'case_id', 'id'], unique=False)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_created_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_case_hall_created', ['hall_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_hall_created')
        batch_op.drop_index('ix_case_created_id')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_hall_done')
        batch_op.drop_index('ix_task_done')
        batch_op.drop_index('ix_task_queue')
        batch_op.drop_index('ix_task_inbox')
        batch_op.create_index('ix_task_inbox', ['state', 'role', 'hall_id', 'due_at'], unique=False)
        batch_op.drop_column('sort_due')
