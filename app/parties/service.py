"""Applicants: validated, found or created by their id number."""
import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.errors import ValidationFailed
from app.parties.idnumbers import id_problem, normalise
from app.parties.models import Applicant

PHONE = re.compile(r"^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")  # ASCII digits only (re's [0-9])


def normalise_phone(text: str | None) -> str | None:
    """A phone number as it is stored: NFKC (fullwidth digits become 0–9), trimmed; None if empty.
    Digits of other scripts are left for PHONE to refuse."""
    return unicodedata.normalize("NFKC", text or "").strip() or None
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_applicant(data: dict) -> dict:
    """Normalise applicant details or raise ValidationFailed with `applicant.<field>` keys."""
    errors: dict[str, list[str]] = {}
    id_type = data.get("id_type")
    number = normalise(data.get("id_number"))
    problem = id_problem(id_type, number)
    if problem:
        errors["applicant.id_type" if "证件类型" in problem else "applicant.id_number"] = [problem]
    name = (data.get("name") or "").strip()
    if not name:
        errors["applicant.name"] = ["申请人名称为必填项"]
    phone = normalise_phone(data.get("phone"))
    if phone and not PHONE.match(phone):
        errors["applicant.phone"] = ["联系电话格式不正确（手机号 11 位或带区号的固定电话）"]
    email = (data.get("email") or "").strip() or None
    if email and not _EMAIL.match(email):
        errors["applicant.email"] = ["电子邮箱格式不正确"]
    if errors:
        raise ValidationFailed("申请人信息有误", errors)
    return {"id_type": id_type, "id_number": number, "name": name, "phone": phone, "email": email}


def find_or_create(session: Session, details: dict) -> Applicant:
    """The applicant with this id number, created on first application; contact details
    are refreshed from the latest application."""
    now = clock.now()
    applicant = session.scalar(select(Applicant).where(Applicant.id_number == details["id_number"]))
    if applicant is None:
        try:
            # Two windows may receive the first application of the same person at once: the
            # loser of the insert race re-reads the winner's row instead of failing.
            with session.begin_nested():
                applicant = Applicant(created_at=now, **details, updated_at=now)
                session.add(applicant)
            return applicant
        except IntegrityError:
            applicant = session.scalar(select(Applicant).where(Applicant.id_number == details["id_number"]))
            if applicant is None:  # not the race above: the insert failed for another reason
                raise
    if applicant.id_type != details["id_type"]:
        raise ValidationFailed("证件类型与已登记的申请人不一致",
                               {"applicant.id_type": ["证件类型与该号码已登记的类型不一致"]})
    applicant.name = details["name"]
    applicant.phone = details["phone"] or applicant.phone
    applicant.email = details["email"] or applicant.email
    applicant.updated_at = now
    return applicant
