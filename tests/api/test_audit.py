"""`flask audit check`: nothing to report after real work (a full case, a correction round, a
deadline that fired), and each kind of damage to the stored record is reported by name."""
from datetime import timedelta

from sqlalchemy import text

from app import clock
from app.extensions import db
from tests.flows import complete, fire_timers, person_applicant, start, supplement


def _audit(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "check"])
    return result.exit_code, result.output


def _work(as_user, app) -> tuple[dict, dict]:
    frontdesk, backoffice, pickup = as_user("frontdesk"), as_user("backoffice"), as_user("pickup")
    done = start(frontdesk)
    done = complete(frontdesk, done, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    done = supplement(frontdesk, done, ["PMT"])
    done = complete(frontdesk, done, "front_desk_acceptance", {"outcome": "accept"})
    done = complete(backoffice, done, "back_office_review", {"decision": "approve"})
    done = complete(pickup, done, "window_delivery", {"delivery_method": "window_pickup"})
    lapsed = start(frontdesk, applicant=person_applicant(31))
    complete(frontdesk, lapsed, "front_desk_acceptance", {"outcome": "correct", "missing_materials": ["PMT"]})
    clock.advance(timedelta(days=10))
    fire_timers(app)  # the correction deadline passes: not accepted
    return done, lapsed


def test_real_work_leaves_nothing_to_report(app, as_user):
    _work(as_user, app)
    code, output = _audit(app)
    assert code == 0, output
    assert "no violations (2 cases checked)" in output


def test_damage_is_reported_by_name(app, as_user):
    done, lapsed = _work(as_user, app)
    with app.app_context():
        run = db.session.execute
        run(text("UPDATE case_event SET message = '改过的记录' WHERE case_id = :c AND seq = 2"), {"c": done["id"]})
        run(text("UPDATE task SET state = 'open', completed_at = NULL WHERE case_id = :c"), {"c": lapsed["id"]})
        run(text("INSERT INTO notification (case_id, kind, channel, recipient, template, params, subject, body, state,"
                 " attempts, next_attempt_at, created_at) SELECT case_id, kind, channel, recipient, template, params,"
                 " subject, body, state, attempts, next_attempt_at, created_at FROM notification"
                 " WHERE case_id = :c AND kind = 'submitted'"), {"c": done["id"]})
        db.session.commit()
        db.session.remove()
    code, output = _audit(app)
    assert code == 1
    lines = output.splitlines()
    assert any(line.startswith("hash_chain\tcase ") and done["case_no"] in line for line in lines), output
    assert any(line.startswith("closed_case\tcase ") and lapsed["case_no"] in line for line in lines), output
    assert any(line.startswith(f"duplicate_notification\tcase {done['id']}") for line in lines), output
