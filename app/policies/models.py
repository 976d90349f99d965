"""Policy documents (政策文件, art. 30): made on a date, published within 15 working days with
their interpretation (政策解读: Q&A, a graphic, a video link), linked to the service items they
affect. The deadlines are columns so lists can sort and filter on them."""
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.catalog.models import ServiceItem
from app.database import Base, UTCDateTime

DRAFT, PUBLISHED = "draft", "published"

# What a list shows for a policy, computed from the clock on read (never only by the sweep).
STATUS_LABELS = {
    "draft": "草稿", "due_soon": "即将到期", "overdue": "已超期",
    "published_on_time": "按期公开", "published_late": "逾期公开",
}
# The colour a staff list gives each status (as the inbox does: yellow warned, red overdue).
STATUS_WARNING = {"draft": "green", "due_soon": "yellow", "overdue": "red",
                  "published_on_time": "", "published_late": ""}

policy_item = Table(
    "policy_item",
    Base.metadata,
    Column("policy_id", ForeignKey("policy.id", ondelete="CASCADE"), primary_key=True),
    Column("service_item_id", ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Policy(Base):
    __tablename__ = "policy"
    __table_args__ = (Index("ix_policy_pending", "state", "publish_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    issuing_body: Mapped[str] = mapped_column(String(200))  # 发文机关
    document_number: Mapped[str | None] = mapped_column(String(100))  # 文号
    made_on: Mapped[date] = mapped_column(Date)  # 制定日期
    full_text: Mapped[str] = mapped_column(Text)
    qa: Mapped[str | None] = mapped_column(Text)  # 政策解读：问答
    graphic_sha256: Mapped[str | None] = mapped_column(String(64))  # 图解 in the file store
    video_url: Mapped[str | None] = mapped_column(String(500))  # 视频解读
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    # End of working day 12 and 15 after the day made (the day itself not counted).
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    publish_due: Mapped[datetime] = mapped_column(UTCDateTime())
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # counted in a year without official data
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the owner was warned (once)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # flagged overdue (once)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner: Mapped[User] = relationship(lazy="joined")
    items: Mapped[list[ServiceItem]] = relationship(secondary=policy_item, lazy="selectin", order_by=ServiceItem.code)
