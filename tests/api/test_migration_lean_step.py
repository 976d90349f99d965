"""Migrations 0018–0021 on a database with cases in it (SQLite and PostgreSQL): taken down to 0017
and up again, nothing is lost (tasks, events, documents keep their rows; SQLite's table rebuilds
do not cascade), and what the upgrade derives — each history's head, the tasks' sort key, the
document numbering, each case's first decision, the applicant's name — equals what the running
platform records."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.api.test_migration_chain import MIGRATIONS, database_url  # noqa: F401 - fixture
from tests.conftest import Api, _migrated_app
from tests.flows import complete, person_applicant, start

DERIVED = ('SELECT id, decided_at, decided_status, decided_on_time, history_seq, history_head, applicant_name '
           'FROM "case" ORDER BY id')


def _snapshot() -> dict:
    one = lambda sql: db.session.execute(text(sql)).scalar_one()  # noqa: E731
    return {"tasks": one("SELECT count(*) FROM task"), "events": one("SELECT count(*) FROM case_event"),
            "documents": one("SELECT count(*) FROM document"), "cases": one('SELECT count(*) FROM "case"'),
            "derived": [tuple(r) for r in db.session.execute(text(DERIVED))],
            "sort_keys": [tuple(r) for r in db.session.execute(text(
                "SELECT id, due_at, sort_due FROM task ORDER BY id"))],
            "numbers": sorted(db.session.execute(text("SELECT prefix, last FROM document_sequence")).all())}


def test_down_to_0017_and_up_again_keeps_every_row_and_derives_what_the_platform_recorded(database_url, tmp_path):  # noqa: F811
    app = _migrated_app(database_url, tmp_path)
    frontdesk, backoffice = Api(app, "frontdesk"), Api(app, "backoffice")
    decided = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    complete(backoffice, decided, "back_office_review", {"decision": "approve"})
    complete(frontdesk, start(frontdesk, applicant=person_applicant(1)), "front_desk_acceptance",
             {"outcome": "reject", "reason": "不属于本部门职权"})
    start(frontdesk, applicant=person_applicant(2))  # undecided
    with app.app_context():
        live = _snapshot()
        assert live["cases"] == 3 and live["documents"] == 3
        assert [r[2] for r in live["derived"]] == ["awaiting_delivery", "not_accepted", None]
        db.session.remove()  # no transaction of ours may hold the tables the migrations alter
        downgrade(directory=str(MIGRATIONS), revision="0017")
        db.session.remove()
        upgrade(directory=str(MIGRATIONS))
        db.session.remove()
        again = _snapshot()
        db.session.remove()
        db.engine.dispose()
    assert again == live
