"""Lists cost the same number of statements whatever they hold (no query per row: the calendar,
halls, items and guides come from the worker's cache or one query per page), counted on
PostgreSQL for the inbox and the case list with 3 and with 20 rows, on a warm worker."""
from app.extensions import db
from tests.concurrency.test_pg_step_budget import recording
from tests.conftest import Api
from tests.flows import person_applicant, start

LIST_BUDGET = 6


def _count(app, api: Api, path: str) -> int:
    headers = {"Authorization": f"Bearer {api.token()}"}
    with recording(app) as rec:
        response = api.client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    print(f"\n{path}: {len(rec.statements)} statements, {len(response.get_json()['items'])} rows")
    for sql in rec.statements:
        print("   ", sql)
    return len(rec.statements)


def test_the_inbox_and_the_case_list_cost_the_same_for_3_rows_and_for_20(pg):
    frontdesk = Api(pg, "frontdesk")
    for n in range(3):
        start(frontdesk, applicant=person_applicant(n))
    paths = ("/api/v1/tasks?per_page=50", "/api/v1/cases?per_page=50")
    for path in paths:  # a warm worker: the reference cache filled, as in production
        frontdesk.get(path)
    small = {path: _count(pg, frontdesk, path) for path in paths}
    for n in range(3, 20):
        start(frontdesk, applicant=person_applicant(n))
    large = {path: _count(pg, frontdesk, path) for path in small}
    assert large == small, (small, large)
    assert all(n <= LIST_BUDGET for n in large.values()), large
    with pg.app_context():
        db.session.remove()
