"""Who an online applicant is and whom they may act for (art. 17).

An account (a phone) names its person by ID card number; it may act for a company only once
the company's USCC is on file for it. Online there is no real-name check, so an account takes
only what its phone already proves: a number never seen before, or one registered with this
very phone under the same name. Anything else (a window applicant without a phone, another
phone, another name) needs the window, where the clerk sees the papers. And even then an
account sees only the cases made with its phone (see online.my_cases).
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.applicants.models import AccountCompany, ApplicantAccount
from app.database import unit_of_work
from app.errors import Conflict, ValidationFailed
from app.parties import service as parties
from app.parties.idnumbers import normalise
from app.parties.models import Applicant


def _claim(session: Session, account: ApplicantAccount, details: dict) -> Applicant:
    # Lock the row: two phones claiming one number at once must not both pass the check.
    existing = session.scalar(select(Applicant).where(Applicant.id_number == details["id_number"])
                              .with_for_update(of=Applicant))
    if existing is None:
        now = clock.now()
        try:
            with session.begin_nested():
                created = Applicant(**details, phone=account.phone, email=None, created_at=now, updated_at=now)
                session.add(created)
            return created
        except IntegrityError:  # someone else registered it a moment ago: their row decides
            existing = session.scalar(select(Applicant).where(Applicant.id_number == details["id_number"])
                                      .with_for_update(of=Applicant))
            if existing is None:  # not that race: the insert failed for another reason
                raise
    if existing.phone != account.phone or existing.name != details["name"]:
        raise Conflict("该证件号码已在窗口或其他手机号登记，请携带证件到窗口核验后办理",
                       {"id_number": ["无法在线核验：请到窗口办理"]})
    return existing


def set_person(session: Session, account: ApplicantAccount, name: str, id_number: str) -> Applicant:
    details = parties.validate_applicant({"id_type": "id_card", "id_number": id_number, "name": name})
    details = {k: details[k] for k in ("id_type", "id_number", "name")}
    with unit_of_work(session):
        if account.person is not None and account.person.id_number != details["id_number"]:
            raise Conflict("本账号已绑定其他身份证号", {"id_number": ["本账号已绑定其他身份证号"]})
        account.person = _claim(session, account, details)
    return account.person


def add_company(session: Session, account: ApplicantAccount, name: str, uscc: str) -> Applicant:
    if account.person is None:
        raise Conflict("请先登记本人身份信息", {"id_number": ["请先登记本人身份证号"]})
    details = parties.validate_applicant({"id_type": "uscc", "id_number": uscc, "name": name})
    details = {k: details[k] for k in ("id_type", "id_number", "name")}
    with unit_of_work(session):
        company = _claim(session, account, details)
        if company not in account.companies:
            session.add(AccountCompany(account_id=account.id, company_id=company.id, created_at=clock.now()))
            session.flush()
            session.refresh(account)
    return company


def acting_as(account: ApplicantAccount, id_number: str | None) -> Applicant:
    """The applicant an account acts for: itself by default, or a company on file."""
    if account.person is None:
        raise Conflict("请先登记本人身份信息（姓名、身份证号）", {"applicant": ["请先登记本人身份信息"]})
    number = normalise(id_number) or account.person.id_number
    if number == account.person.id_number:
        return account.person
    for company in account.companies:
        if company.id_number == number:
            return company
    raise ValidationFailed("只能以本人或已登记的企业名义申请",
                           {"applicant": [f"{number} 不是本人身份证号，也不是本账号已登记的统一社会信用代码"]})


def identities(account: ApplicantAccount) -> list[Applicant]:
    return ([account.person] if account.person else []) + list(account.companies)

