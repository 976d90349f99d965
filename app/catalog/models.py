"""Service items (the minimal catalogue a case needs) and their materials."""
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Hall
from app.database import Base

service_item_hall = Table(
    "service_item_hall",
    Base.metadata,
    Column("service_item_id", ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True),
    Column("hall_id", ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True),
)


class ServiceItem(Base):
    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(32), default="licence")
    process_key: Mapped[str] = mapped_column(String(128))
    legal_limit_days: Mapped[int] = mapped_column(Integer)
    promised_limit_days: Mapped[int] = mapped_column(Integer)

    halls: Mapped[list[Hall]] = relationship(secondary=service_item_hall, lazy="selectin")
    materials: Mapped[list["ItemMaterial"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemMaterial.position",
        lazy="selectin",
    )

    def material_codes(self) -> list[str]:
        return [m.code for m in self.materials]


class ItemMaterial(Base):
    __tablename__ = "item_material"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    item: Mapped[ServiceItem] = relationship(back_populates="materials")
