"""The online side of applicants: accounts signed in by phone, the companies they act for,
sign-in codes and public progress lookups. The applicant itself is a party (app.parties)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UTCDateTime
from app.parties.models import Applicant


class ApplicantAccount(Base):
    """An online applicant's sign-in: one mobile phone. Acting needs an identity: the person
    (ID card) it belongs to, and companies (USCC) it may act for."""

    __tablename__ = "applicant_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), unique=True)
    token_version: Mapped[int] = mapped_column(Integer, default=1)  # bump to sign out everywhere
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Applicant | None] = relationship(lazy="joined")
    companies: Mapped[list[Applicant]] = relationship(secondary="account_company", lazy="selectin",
                                                      order_by="Applicant.name")


class ApplicantSession(Base):
    """One signed-in session of an account (a page's cookie or an API token names it by `key`):
    signing out ends it on the server, so a copied cookie or token stops working too."""

    __tablename__ = "applicant_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("applicant_account.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # page | api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccountCompany(Base):
    """A company (by its USCC) an account may act for."""

    __tablename__ = "account_company"

    account_id: Mapped[int] = mapped_column(ForeignKey("applicant_account.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInCode(Base):
    """A one-time sign-in code sent to a phone. Only its hash is kept."""

    __tablename__ = "sign_in_code"
    __table_args__ = (Index("ix_sign_in_code_phone_created", "phone", "created_at"),
                      Index("ix_sign_in_code_address_created", "address", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11))
    address: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LookupAttempt(Base):
    """A public progress lookup (case number + id number), counted per client address so that
    guessing is slow; only failed ones count against the limit."""

    __tablename__ = "lookup_attempt"
    __table_args__ = (Index("ix_lookup_attempt_address_created", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    found: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
