"""case search: the applicant's name on the case row, found by any part of it (a GIN trigram
index on PostgreSQL, pg_trgm being a trusted extension), and case number prefixes by index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:30:00

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_name', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    names = []
    for case_id, applicant in bind.execute(sa.text('SELECT id, applicant FROM "case"')):
        details = applicant if isinstance(applicant, dict) else json.loads(applicant or "{}")
        names.append({"id": case_id, "name": (details or {}).get("name")})
    if names:
        bind.execute(sa.text('UPDATE "case" SET applicant_name = :name WHERE id = :id'), names)
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute('CREATE INDEX ix_case_applicant_name ON "case" USING gin (applicant_name gin_trgm_ops)')
        op.execute('CREATE INDEX ix_case_case_no_prefix ON "case" (case_no varchar_pattern_ops)')
    else:
        with op.batch_alter_table('case', schema=None) as batch_op:
            batch_op.create_index('ix_case_applicant_name', ['applicant_name'], unique=False)
            batch_op.create_index('ix_case_case_no_prefix', ['case_no'], unique=False)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_case_no_prefix')
        batch_op.drop_index('ix_case_applicant_name')
        batch_op.drop_column('applicant_name')
