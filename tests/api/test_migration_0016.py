"""Migration 0016 (one person, one ID): stored ID and phone numbers written in fullwidth digits
become ASCII; a number in another digit script stops the upgrade and names the row."""
import re
from datetime import UTC, datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db
from tests.api.test_migration_chain import MIGRATIONS, database_url, empty_app  # noqa: F401 - fixtures

NOW = datetime(2026, 12, 1, tzinfo=UTC)
FULLWIDTH_ID = "６１０１２４１９８５０５０５１２３ｘ"  # 610124198505051230's shape, fullwidth, lower-case x


def _applicant(number: str, phone: str) -> None:
    db.session.execute(text("INSERT INTO applicant (id_type, id_number, name, phone, email, created_at, updated_at) "
                            "VALUES ('id_card', :n, '张三', :p, NULL, :t, :t)"), {"n": number, "p": phone, "t": NOW})
    db.session.commit()


@pytest.mark.usefixtures("empty_app")
def test_fullwidth_numbers_become_ascii():
    upgrade(directory=str(MIGRATIONS), revision="0015")
    _applicant(FULLWIDTH_ID, "１３９１２３４５６７８")
    db.session.execute(text("INSERT INTO applicant_account (phone, person_id, token_version, created_at) "
                            "VALUES ('１３９１２３４５６７８', NULL, 1, :t)"), {"t": NOW})
    db.session.commit()
    upgrade(directory=str(MIGRATIONS), revision="0016")
    assert db.session.execute(text("SELECT id_number, phone FROM applicant")).one() == ("61012419850505123X", "13912345678")
    assert db.session.execute(text("SELECT phone FROM applicant_account")).scalar_one() == "13912345678"


@pytest.mark.usefixtures("empty_app")
def test_digits_of_another_script_stop_the_upgrade_and_name_the_row():
    upgrade(directory=str(MIGRATIONS), revision="0015")
    _applicant("٦١٠١٢٤١٩٨٥٠٥٠٥١٢٣X", "13912345678")  # Arabic-Indic digits
    with pytest.raises(SystemExit) as stopped:  # flask-migrate logs the error and exits 1
        upgrade(directory=str(MIGRATIONS), revision="0016")
    assert re.search(r"applicant\.id_number id=\d+: .* another script", str(stopped.value.__context__))
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0015"
