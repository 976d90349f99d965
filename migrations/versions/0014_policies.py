"""policy documents (art. 30): publication deadline, interpretation, affected items

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 21:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=False),
    sa.Column('document_number', sa.String(length=100), nullable=True),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('full_text', sa.Text(), nullable=False),
    sa.Column('qa', sa.Text(), nullable=True),
    sa.Column('graphic_sha256', sa.String(length=64), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publish_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_policy_owner_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy'))
    )
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_policy_pending', ['state', 'publish_due'], unique=False)

    op.create_table('policy_item',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('service_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_policy_item_policy_id_policy'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_item_id'], ['service_item.id'], name=op.f('fk_policy_item_service_item_id_service_item'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('policy_id', 'service_item_id', name=op.f('pk_policy_item'))
    )
    with op.batch_alter_table('policy_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_item_service_item_id'), ['service_item_id'], unique=False)

    # staff may give an address for their own deadline warnings
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('phone')
        batch_op.drop_column('email')

    with op.batch_alter_table('policy_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_item_service_item_id'))

    op.drop_table('policy_item')
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_pending')
        batch_op.drop_index(batch_op.f('ix_policy_owner_id'))

    op.drop_table('policy')
