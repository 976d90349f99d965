"""The catalogue (art. 5–9): service items, their versioned guides and the guides' materials,
and the retained-certificate catalogue that certificate materials must come from.

A `service_item` is the stable identity (codes, level, the halls that offer it); everything a
guide says lives on a `guide_version`, so a law change produces a new version while cases keep
the version they were started under.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import reference
from app.auth.models import Hall
from app.database import Base, UTCDateTime

DRAFT, PUBLISHED, SUPERSEDED = "draft", "published", "superseded"
VERSION_STATUSES = (DRAFT, PUBLISHED, SUPERSEDED)

ITEM_TYPES = {
    "licence": "行政许可", "confirmation": "行政确认", "reward": "行政奖励", "benefit": "行政给付",
    "adjudication": "行政裁决", "other_power": "其他行政权力", "public_service": "公共服务",
}
LEVELS = {"district": "区级", "street": "街道级", "community": "社区（村）级"}
SERVICE_OBJECTS = {"natural_person": "自然人", "legal_person": "法人和其他组织", "both": "自然人、法人和其他组织"}
HANDLING_CHANNELS = {"window": "窗口办理", "online": "网上办理", "mail": "邮寄办理", "proxy": "代办帮办"}
MATERIAL_CATEGORIES = {"form": "表格类", "certificate": "证明类", "document": "其他材料"}
MATERIAL_TYPES = {"original": "原件", "copy": "复印件", "original_and_copy": "原件和复印件"}
MEDIA = {"paper": "纸质", "electronic": "电子", "both": "纸质或电子"}
REQUIREMENTS = {"required": "必要", "conditional": "按情形提交", "exempt": "免提交"}
SOURCES = {"applicant": "申请人自备", "intermediary": "中介机构出具", "government": "政府部门核发",
           "sharing": "共享获取"}

# Special procedures (特别程序) a guide may list; their time does not count toward the limits.
SPECIAL_PROCEDURE_KINDS = {
    "hearing": "听证", "inspection": "现场勘查", "expert_review": "专家评审",
    "testing": "检验、检测、鉴定", "announcement": "公示", "other": "其他法定特别程序",
}

service_item_hall = Table(
    "service_item_hall",
    Base.metadata,
    Column("service_item_id", ForeignKey("service_item.id", ondelete="CASCADE"), primary_key=True),
    Column("hall_id", ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True),
)


class ServiceItem(Base):
    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # implementation code (实施编码)
    base_code: Mapped[str] = mapped_column(String(12), index=True)  # shared across levels
    level: Mapped[str] = mapped_column(String(16), default="district")
    citywide: Mapped[bool] = mapped_column(Boolean, default=False)  # 同城通办: any hall accepts
    # Copied from the published version (or the first draft) so lists need no join.
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(32), default="licence")
    implementing_body: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    halls: Mapped[list[Hall]] = relationship(secondary=service_item_hall, lazy="selectin",
                                             order_by=Hall.code)
    versions: Mapped[list["GuideVersion"]] = relationship(
        back_populates="item", order_by="GuideVersion.version", lazy="select",
        foreign_keys="GuideVersion.item_id")


class GuideVersion(Base):
    """One version of an item's guide (办事指南). Drafts may be incomplete: the linter, not the
    schema, decides whether a version may be published."""

    __tablename__ = "guide_version"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        # At most one published version per item, even under concurrent publishing.
        Index("uq_guide_version_published", "item_id", unique=True,
              sqlite_where=text("status = 'published'"), postgresql_where=text("status = 'published'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)

    name: Mapped[str | None] = mapped_column(String(200))
    item_type: Mapped[str | None] = mapped_column(String(32))
    implementing_body: Mapped[str | None] = mapped_column(String(200))
    legal_basis: Mapped[list] = mapped_column(JSON, default=list)  # [{law, article, text}]
    service_object: Mapped[str | None] = mapped_column(String(32))
    acceptance_conditions: Mapped[str | None] = mapped_column(Text)
    legal_limit_days: Mapped[int | None] = mapped_column(Integer)
    promised_limit_days: Mapped[int | None] = mapped_column(Integer)
    fee_charged: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_standard: Mapped[str | None] = mapped_column(Text)
    fee_basis: Mapped[str | None] = mapped_column(Text)
    handling_channels: Mapped[list] = mapped_column(JSON, default=list)
    location: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(String(500))
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_sample: Mapped[str | None] = mapped_column(String(64))  # sha256 of a stored file
    consultation_contact: Mapped[str | None] = mapped_column(String(500))
    complaint_contact: Mapped[str | None] = mapped_column(String(500))
    process_description: Mapped[str | None] = mapped_column(Text)
    # [{kind, name, limit_days, counted_in_legal_limit}]
    special_procedures: Mapped[list] = mapped_column(JSON, default=list)
    process_key: Mapped[str | None] = mapped_column(String(128))

    change_summary: Mapped[str | None] = mapped_column(Text)
    legal_change: Mapped[str | None] = mapped_column(Text)  # the law change behind this version
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))

    item: Mapped[ServiceItem] = relationship(back_populates="versions", foreign_keys=[item_id],
                                             lazy="joined")
    materials: Mapped[list["GuideMaterial"]] = relationship(
        back_populates="guide", cascade="all, delete-orphan", order_by="GuideMaterial.position",
        lazy="selectin")

    def material_codes(self) -> list[str]:
        return [m.code for m in self.materials]

    def material_names(self) -> dict[str, str]:
        # A published guide names every material (the linter refuses it otherwise); an unnamed
        # one shows its code, as a code the guide does not list does where this is used.
        return {m.code: m.name or m.code for m in self.materials}


class GuideMaterial(Base):
    """A material a guide asks for (art. 7)."""

    __tablename__ = "guide_material"
    __table_args__ = (UniqueConstraint("guide_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guide_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16), default="document")
    material_type: Mapped[str] = mapped_column(String(24), default="original")
    copies: Mapped[int] = mapped_column(Integer, default=1)
    paper_spec: Mapped[str | None] = mapped_column(String(64))
    medium: Mapped[str] = mapped_column(String(16), default="paper")
    requirement: Mapped[str] = mapped_column(String(16), default="required")
    condition: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="applicant")
    agency_category: Mapped[str | None] = mapped_column(String(200))
    certificate_code: Mapped[str | None] = mapped_column(String(64))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    blank_template: Mapped[str | None] = mapped_column(String(64))  # sha256 of a stored file
    sample: Mapped[str | None] = mapped_column(String(64))
    tolerable: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)

    guide: Mapped[GuideVersion] = relationship(back_populates="materials")

    @property
    def asked_of_applicant(self) -> bool:
        """Art. 7(5): what the government fetches itself is never asked of the applicant."""
        return self.requirement != "exempt" and self.source != "sharing"


class RetainedCertificate(Base):
    """The retained-certificate catalogue (保留证明事项目录, art. 7(2))."""

    __tablename__ = "retained_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    issuing_body: Mapped[str | None] = mapped_column(String(200))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# reference data: workers cache it until one of these tables changes (app.reference)
reference.track(ServiceItem, GuideVersion, GuideMaterial, service_item_hall)
