"""one person, one ID: stored ID numbers and phone numbers written one way (ASCII)

ID-card numbers, USCCs and phone numbers are now normalised with NFKC (fullwidth digits become
0–9) and accepted in ASCII only. This revision brings stored rows in line: a value that NFKC
turns into ASCII is rewritten; a value in another digit script, or one whose ASCII form is
already taken by another row of a unique column, is not guessed at — the upgrade stops and
names the rows for an administrator to correct (the same number entered twice as two people).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 19:00:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# (table, column, upper-cased like an ID number, unique)
COLUMNS = [
    ("applicant", "id_number", True, True),
    ("applicant", "phone", False, False),
    ("applicant_account", "phone", False, True),
    ("sign_in_code", "phone", False, False),
    ("appointment", "id_number", True, False),
    ("appointment", "phone", False, False),
    ("consultation", "asker_phone", False, False),
    ("complaint", "phone", False, False),
    ("user_account", "phone", False, False),
]


def _normal(value: str, upper: bool) -> str:
    text = unicodedata.normalize("NFKC", value).strip()
    return text.upper() if upper else text


def upgrade():
    bind = op.get_bind()
    problems = []
    for table, column, upper, unique in COLUMNS:
        rows = bind.execute(sa.text(f'SELECT id, {column} FROM "{table}" WHERE {column} IS NOT NULL')).all()
        taken = {value for _, value in rows}
        for row_id, value in rows:
            fixed = _normal(value, upper)
            if not fixed.isascii():
                problems.append(f"{table}.{column} id={row_id}: {value!r} uses digits of another script")
            elif fixed == value:
                continue
            elif unique and fixed in taken:
                problems.append(f"{table}.{column} id={row_id}: {value!r} is {fixed!r}, which another row already has")
            else:
                bind.execute(sa.text(f'UPDATE "{table}" SET {column} = :v WHERE id = :id'), {"v": fixed, "id": row_id})
                taken.add(fixed)
    # the applicant as recorded on each case (a JSON copy taken when the case was opened)
    cases = sa.table("case", sa.column("id", sa.Integer), sa.column("applicant", sa.JSON))
    for case_id, applicant in bind.execute(sa.select(cases.c.id, cases.c.applicant)).all():
        if not isinstance(applicant, dict):
            continue
        changed = dict(applicant)
        for key, upper in (("id_number", True), ("phone", False)):
            if isinstance(applicant.get(key), str):
                changed[key] = _normal(applicant[key], upper)
                if not changed[key].isascii():
                    problems.append(f"case.applicant.{key} id={case_id}: {applicant[key]!r} uses digits of another script")
        if changed != applicant:
            bind.execute(cases.update().where(cases.c.id == case_id).values(applicant=changed))
    if problems:
        raise RuntimeError("ID and phone numbers that cannot be written in ASCII digits; correct them and "
                           "upgrade again:\n  " + "\n  ".join(problems[:50]))


def downgrade():
    pass  # the ASCII form is the same number: nothing to undo
