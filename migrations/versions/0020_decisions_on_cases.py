"""decisions on cases: the first decision (when, which status, on time or not) recorded on the
case row, so the statistics count indexed columns instead of reading every case's events

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 08:00:00

"""
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# as app.cases.decisions has them (a migration keeps its own copy: the app may change later)
DECISIONS = ("awaiting_delivery", "completed", "denied", "not_accepted", "deemed_renewed")


def _moment(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _on_time(to, came_from, at, decision_due, acceptance_due) -> bool:
    if to == "deemed_renewed":
        return False
    if to == "not_accepted":
        if came_from == "awaiting_correction":
            return True
        due = acceptance_due
    else:
        due = decision_due
    return due is None or at <= due


def upgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_status', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('decided_on_time', sa.Boolean(), nullable=True))
        batch_op.create_index('ix_case_decided', ['decided_at'], unique=False)
        batch_op.create_index('ix_case_hall_decided', ['hall_id', 'decided_at'], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        'SELECT e.case_id, e.at, e.data, c.decision_due, c.acceptance_due FROM case_event e '
        'JOIN "case" c ON c.id = e.case_id WHERE e.kind = \'status_changed\' ORDER BY e.case_id, e.seq'))
    done, updates = set(), []
    for case_id, at, data, decision_due, acceptance_due in rows:
        if case_id in done:
            continue
        data = data if isinstance(data, dict) else json.loads(data or "{}")
        if data.get("to") not in DECISIONS:
            continue
        done.add(case_id)
        at = _moment(at)
        updates.append({"id": case_id, "at": at, "status": data["to"],
                        "good": _on_time(data["to"], data.get("from"), at, _moment(decision_due),
                                         _moment(acceptance_due))})
    if updates and bind.dialect.name == "sqlite":  # stored as SQLAlchemy stores UTC datetimes there
        for row in updates:
            row["at"] = row["at"].astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if updates:
        bind.execute(sa.text('UPDATE "case" SET decided_at = :at, decided_status = :status, decided_on_time = :good '
                             'WHERE id = :id'), updates)


def downgrade():
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_hall_decided')
        batch_op.drop_index('ix_case_decided')
        batch_op.drop_column('decided_on_time')
        batch_op.drop_column('decided_status')
        batch_op.drop_column('decided_at')
