"""The office's decision on a case, recorded when it happens (art. 32's statistics count it):
the first status a case enters that decides it, when, and whether by its deadline."""
from datetime import datetime

from app.cases import models as C

# The statuses a case enters when the office decides on it: the first one reached is the
# decision (approval or denial is recorded as awaiting_delivery before the result goes out).
DECISION_STATUSES = (C.AWAITING_DELIVERY, C.COMPLETED, C.DENIED, C.NOT_ACCEPTED, C.DEEMED_RENEWED)


def on_time(to_status: str, from_status: str | None, decided_at: datetime, decision_due: datetime | None,
            acceptance_due: datetime | None) -> bool:
    """Was this decision made by its deadline?

    Approval or denial: by decision_due, the promised limit (承诺办结期限: promised_limit_days
    working days from acceptance, moved by special procedures) — the stricter of the two limits
    and the one the hall publishes; legal_due is only its outer bound. Not accepted: by
    acceptance_due (art. 13, one working day), except when the correction period lapsed — the
    platform decides that at the period's end, the applicant did not act. Deemed renewed
    (art. 14(4)): the law decided because the office did not in time, so never on time."""
    if to_status == C.DEEMED_RENEWED:
        return False
    if to_status == C.NOT_ACCEPTED:
        if from_status == C.AWAITING_CORRECTION:
            return True
        due = acceptance_due
    else:
        due = decision_due
    return due is None or decided_at <= due  # no deadline: nothing to be late for


def record(case: C.Case, old: str, new: str, now: datetime) -> None:
    """Note the case's first decision on the case row (called as its status changes)."""
    if new in DECISION_STATUSES and case.decided_at is None:
        case.decided_at, case.decided_status = now, new
        case.decided_on_time = on_time(new, old, now, case.decision_due, case.acceptance_due)
