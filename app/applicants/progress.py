"""The public progress page (art. 15): a case found by its number and the applicant's id
number, nothing else visible; failed lookups are limited per client address."""
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import clock
from app.addresses import client_bucket
from app.applicants.models import LookupAttempt
from app.cases.models import Case
from app.database import unit_of_work
from app.errors import NotFound, TooManyRequests, ValidationFailed
from app.parties.idnumbers import normalise


def lookup(session: Session, case_no: str, id_number: str, address: str, per_hour: int) -> tuple[Case | None, str]:
    """(case or None, message), the try recorded (committed) either way: a failed try must count."""
    case_no, id_number = normalise(case_no), normalise(id_number)
    if not case_no or not id_number:
        raise ValidationFailed("请输入办件编号和证件号码", {k: ["必填项"] for k, v in
                                                    (("case_no", case_no), ("id_number", id_number)) if not v})
    bucket, now = client_bucket(address), clock.now()
    with unit_of_work(session):
        session.execute(delete(LookupAttempt).where(LookupAttempt.created_at < now - timedelta(days=1)))
        failed = session.execute(select(func.count()).where(LookupAttempt.address == bucket,
                                                             LookupAttempt.found.is_(False),
                                                             LookupAttempt.created_at > now - timedelta(hours=1))).scalar_one()
        if failed >= per_hour:
            raise TooManyRequests("查询失败次数过多，请一小时后再试", retry_after=3600)
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        found = case is not None and (case.applicant or {}).get("id_number", "").upper() == id_number
        session.add(LookupAttempt(address=bucket, found=found, created_at=now))
    # One answer for an unknown number and a wrong id number: no way to probe which cases exist.
    return (case, "") if found else (None, "办件编号与证件号码不匹配")


def require(case: Case | None, message: str) -> Case:
    if case is None:
        raise NotFound(message)
    return case
