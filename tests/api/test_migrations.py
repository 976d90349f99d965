"""Migrations over real data on SQLite, where altering a table means copying it: downgrading to
the minimal catalogue (0002) and upgrading again keeps every case, task and material, and leaves
foreign keys enforced."""
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.flows import ITEM, complete, start

ROOT = Path(__file__).resolve().parents[2]


def test_catalog_migration_round_trip_keeps_cases(tmp_path):
    from app.bootstrap import runtime_of
    from app.demo.seed import seed
    from app.processes.service import DeployLimits
    from tests.conftest import Api

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "INSTANCE_PATH": tmp_path,
                      "TESTING": True, "MIGRATIONS_DIR": str(ROOT / "migrations")})
    migrations = str(ROOT / "migrations")
    with app.app_context():
        upgrade(directory=migrations)
        with app.test_request_context():
            settings = runtime_of(app).settings
            seed(db.session, Path(app.config["PROCESSES_DIR"]), DeployLimits.of(settings), settings)
        db.session.remove()
    frontdesk = Api(app, "frontdesk")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})

    def rows(sql):
        return db.session.execute(text(sql)).all()

    with app.app_context():
        downgrade(directory=migrations, revision="0002")
        assert rows("SELECT legal_limit_days, promised_limit_days, process_key FROM service_item "
                    f"WHERE code = '{ITEM}'") == [(20, 10, "standard_licence")]
        assert len(rows(f"SELECT m.code FROM item_material m JOIN service_item i ON i.id = m.item_id "
                        f"WHERE i.code = '{ITEM}'")) == 7
        assert rows("SELECT count(*) FROM task")[0][0] == 2 and rows("SELECT count(*) FROM case_event")[0][0] >= 2
        db.session.remove()

        upgrade(directory=migrations)
        assert rows('SELECT g.version, g.status FROM "case" c JOIN guide_version g ON g.id = c.guide_version_id') \
            == [(1, "published")]
        assert rows("SELECT count(*) FROM task")[0][0] == 2
        assert rows("PRAGMA foreign_key_check") == []
        assert rows("PRAGMA foreign_keys") == [(1,)]
        db.session.remove()

    # The migrated case carries on under the new code.
    backoffice = Api(app, "backoffice")
    case = backoffice.get(f"/api/v1/cases/{case['id']}").get_json()
    assert case["guide"]["version"] == 1 and case["status"] == "under_review"
    assert complete(backoffice, case, "back_office_review", {"decision": "approve"})["status"] == "awaiting_delivery"
