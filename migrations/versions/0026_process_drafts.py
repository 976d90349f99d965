"""process drafts: the modeler's workspace saves a process and its forms on the server while it is
designed, with one editor at a time

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 14:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('bpmn_xml', sa.LargeBinary(), nullable=False),
        sa.Column('forms', sa.JSON(), nullable=False),
        sa.Column('based_on_key', sa.String(length=128), nullable=True),
        sa.Column('based_on_version', sa.Integer(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('editor_id', sa.Integer(), nullable=True),
        sa.Column('editor_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deployed_key', sa.String(length=128), nullable=True),
        sa.Column('deployed_version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_process_draft_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_process_draft_updated_by_id_user_account')),
        sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_process_draft_editor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_process_draft')),
    )


def downgrade():
    op.drop_table('process_draft')
