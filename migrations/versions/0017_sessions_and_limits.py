"""sessions and limits: applicant sessions ended on the server, staff sign-in failures and
account locks, the address an online complaint came from

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 19:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'applicant_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('signed_out_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['applicant_account.id'],
                                name=op.f('fk_applicant_session_account_id_applicant_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_applicant_session')),
        sa.UniqueConstraint('key', name=op.f('uq_applicant_session_key')),
    )
    with op.batch_alter_table('applicant_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicant_session_account_id'), ['account_id'], unique=False)

    op.create_table(
        'login_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_username_at', ['username', 'at'], unique=False)
        batch_op.create_index('ix_login_failure_address_at', ['address', 'at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_bucket', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_complaint_client_bucket'), ['client_bucket'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_client_bucket'))
        batch_op.drop_column('client_bucket')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_address_at')
        batch_op.drop_index('ix_login_failure_username_at')
    op.drop_table('login_failure')
    with op.batch_alter_table('applicant_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicant_session_account_id'))
    op.drop_table('applicant_session')
