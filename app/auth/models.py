"""Halls, users and the roles users hold in halls."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import reference
from app.database import Base, UTCDateTime


class Hall(Base):
    """A government service hall (district centre, street centre, community station)."""

    __tablename__ = "hall"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), default="district")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to revoke every token issued before.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where staff are told of their own deadlines (e.g. a policy due for publication); optional.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Password sign-in refused until then after repeated wrong passwords (an administrator unlocks earlier).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class LoginFailure(Base):
    """A wrong password (or an unknown user name) at staff sign-in: counted per account and per
    client address to lock accounts and slow down guessing; cleared by a good sign-in."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_username_at", "username", "at"),
                      Index("ix_login_failure_address_at", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserRole(Base):
    """A role held by a user, in a hall for hall roles, or everywhere (hall_id NULL)."""

    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role", "hall_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    hall: Mapped[Hall | None] = relationship(lazy="joined")


# reference data: workers cache it until one of these tables changes (app.reference). Accounts and
# grants are read by every API call (who is calling, in which halls) and change rarely: a change
# (a role, a deactivation, a sign-out everywhere, a lockout) moves the counter, so the next
# request of every worker reads them again.
reference.track(Hall, User, UserRole)
