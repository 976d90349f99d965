"""lean step: the reference-data revision workers cache by, the head of each case's history on
the case row (no query to append), documents decided in the step and drawn afterwards (their
content, the moment of the decision, numbers from a sequence per kind and year)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_NUMBER = re.compile(r"^鄠政务(.+)〔(\d{4})〕(\d+)号$")


def upgrade():
    op.create_table(
        'reference_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_revision')),
    )
    op.execute("INSERT INTO reference_revision (id, revision) VALUES (1, 1)")

    op.create_table(
        'document_sequence',
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_document_sequence')),
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('history_head', sa.String(length=64), nullable=True))
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    # the head of every chain as it stands
    bind.execute(sa.text(
        'UPDATE "case" SET history_seq = (SELECT max(e.seq) FROM case_event e WHERE e.case_id = "case".id), '
        'history_head = (SELECT e.hash FROM case_event e WHERE e.case_id = "case".id '
        'ORDER BY e.seq DESC LIMIT 1)'))
    bind.execute(sa.text('UPDATE "case" SET history_seq = 0, history_head = :genesis WHERE history_seq IS NULL'),
                 {"genesis": "0" * 64})
    bind.execute(sa.text("UPDATE document SET issued_at = signed_at"))
    # numbering goes on from the highest number each kind has used in each year
    last: dict[tuple[str, int], int] = {}
    for (number,) in bind.execute(sa.text("SELECT document_no FROM document WHERE document_no IS NOT NULL")):
        found = _NUMBER.match(number)
        if found:
            key = (found.group(1), int(found.group(2)))
            last[key] = max(last.get(key, 0), int(found.group(3)))
    for (prefix, year), value in last.items():
        bind.execute(sa.text("INSERT INTO document_sequence (prefix, year, last) VALUES (:p, :y, :l)"),
                     {"p": prefix, "y": year, "l": value})


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('issued_at')
        batch_op.drop_column('content')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('history_head')
        batch_op.drop_column('history_seq')
    op.drop_table('document_sequence')
    op.drop_table('reference_revision')
