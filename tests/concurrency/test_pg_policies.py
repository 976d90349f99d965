"""The policy sweep (art. 30) run by several schedulers at the same moment on PostgreSQL: the
owner is warned once and the overdue flag is raised once."""
import threading
from datetime import datetime

from sqlalchemy import select, update

from app import clock
from app.auth.models import User
from app.extensions import db
from app.notify.models import Notification
from tests.concurrency.harness import in_threads
from tests.conftest import Api

PARALLEL = 6


def _sweep_at_once(app) -> list[dict]:
    from app.policies.sweep import sweep

    barrier = threading.Barrier(PARALLEL, timeout=30)

    def one():
        with app.app_context():
            barrier.wait()
            try:
                return sweep(db.session)
            finally:
                db.session.remove()

    return in_threads([one] * PARALLEL)


def _messages(app, kind: str, policy_id: int) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
        found = [n.recipient for n in rows if n.params.get("policy_id") == policy_id]
        db.session.remove()
    return found


def test_parallel_sweeps_warn_and_flag_once(pg):
    with pg.app_context():
        db.session.execute(update(User).where(User.username == "designer").values(email="designer@example.cn"))
        db.session.commit()
        db.session.remove()
    clock.freeze(datetime(2026, 9, 28, 10, 0, tzinfo=clock.LOCAL_TZ))
    response = Api(pg, "designer").post("/api/v1/policies", json={
        "title": "并发测试政策", "issuing_body": "西安市鄠邑区人民政府办公室", "made_on": "2026-09-28",
        "full_text": "正文"})
    assert response.status_code == 201, response.get_json()
    pid = response.get_json()["id"]

    clock.freeze(datetime(2026, 10, 21, 9, 0, tzinfo=clock.LOCAL_TZ))
    _sweep_at_once(pg)
    assert _messages(pg, "policy_warning", pid) == ["designer@example.cn"]

    clock.freeze(datetime(2026, 10, 24, 0, 0, 1, tzinfo=clock.LOCAL_TZ))
    _sweep_at_once(pg)
    assert _messages(pg, "policy_overdue", pid) == ["designer@example.cn"]
    assert len(_messages(pg, "policy_warning", pid)) == 1
