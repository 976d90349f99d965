"""Parallel sign-in requests on PostgreSQL: the code rate limit and the identity claim hold
when requests arrive at the same moment."""
import threading
from collections import Counter
from functools import partial

import requests

from tests.concurrency.harness import in_threads

PARALLEL = 10


def test_parallel_code_requests_send_one_code(pg, pg_url):
    barrier = threading.Barrier(PARALLEL, timeout=30)

    def ask(_):
        barrier.wait()
        return requests.post(f"{pg_url}/api/v1/applicant/codes", json={"phone": "13912340000"}, timeout=60)

    responses = in_threads([partial(ask, n) for n in range(PARALLEL)])
    assert Counter(r.status_code for r in responses) == Counter({202: 1, 429: PARALLEL - 1}), \
        [(r.status_code, r.text[:120]) for r in responses]


def test_parallel_claims_of_one_id_number_leave_one_owner(pg, pg_url):
    from app.extensions import db
    from app.parties.idnumbers import with_check_digit_id_card

    number = with_check_digit_id_card("61012419700101555")
    sessions = []
    with pg.app_context():
        from app import clock
        from app.applicants import signin
        from app.applicants.models import ApplicantAccount

        for n in range(4):
            account = ApplicantAccount(phone=f"1391234{n:04d}", token_version=1, created_at=clock.now())
            db.session.add(account)
            db.session.flush()
            key = signin.open_session(db.session, account, "api")
            sessions.append(signin.issue_token(account, key, pg.config["SECRET_KEY"]))
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(len(sessions), timeout=30)

    def claim(token):
        barrier.wait()
        return requests.put(f"{pg_url}/api/v1/applicant/me", json={"name": "并发", "id_number": number},
                            headers={"Authorization": f"Bearer {token}"}, timeout=60)

    responses = in_threads([partial(claim, t) for t in sessions])
    assert Counter(r.status_code for r in responses) == Counter({200: 1, 409: len(sessions) - 1}), \
        [(r.status_code, r.text[:120]) for r in responses]
