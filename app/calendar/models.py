"""The holiday table and which years have official data."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app import reference
from app.database import Base, UTCDateTime


class Holiday(Base):
    """A day that differs from the plain weekend rule: a statutory holiday on a weekday
    (is_workday false) or an adjusted weekend workday (is_workday true)."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(32))  # chinesecalendar | notice | admin
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(64))


class CalendarYear(Base):
    """A year whose official schedule is known; computations reaching other years are provisional."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarRevision(Base):
    """One row, bumped on every calendar change, so every worker knows to reload its cache."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)


# reference data: workers cache it until one of these tables changes (app.reference)
reference.track(Holiday, CalendarYear, CalendarRevision)
