"""What the catalogue API answers: the public record of a guide, its versions and drafts, the
item's halls, guide files and retained certificates (marshmallow schemas for the OpenAPI document)."""
from marshmallow import Schema, fields

from app.api.outputs import day, moment
from app.api.schemas import Finding
from app.catalog.document import ItemDoc, LegalBasisDoc, SpecialProcedureDoc


class Summary(Schema):
    item_code = fields.String()
    base_code = fields.String()
    name = fields.String(allow_none=True)
    item_type = fields.String(allow_none=True)
    item_type_label = fields.String(allow_none=True)
    implementing_body = fields.String(allow_none=True)
    level = fields.String()
    citywide = fields.Boolean()
    promised_limit_days = fields.Integer(allow_none=True)
    version = fields.Integer()
    halls = fields.List(fields.String())
    guide_url = fields.String()


class SummaryPage(Schema):
    items = fields.List(fields.Nested(Summary))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class PublicHall(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()


class PublicMaterial(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    category = fields.String()
    category_label = fields.String(allow_none=True)
    material_type = fields.String()
    material_type_label = fields.String(allow_none=True)
    copies = fields.Integer()
    paper_spec = fields.String(allow_none=True)
    medium = fields.String()
    medium_label = fields.String(allow_none=True)
    requirement = fields.String()
    requirement_label = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    source = fields.String()
    source_label = fields.String(allow_none=True)
    obtainable_by_sharing = fields.Boolean()
    agency_category = fields.String(allow_none=True)
    certificate_code = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)
    tolerable = fields.Boolean()
    notes = fields.String(allow_none=True)
    blank_template = fields.String(allow_none=True, metadata={"description": "空表的地址"})
    sample = fields.String(allow_none=True, metadata={"description": "样表的地址"})


class Faq(Schema):
    question = fields.String()
    answer = fields.String(allow_none=True)
    answered_at = day(allow_none=True)


class RelatedPolicy(Schema):
    id = fields.Integer()
    title = fields.String()
    issuing_body = fields.String()
    document_number = fields.String(allow_none=True)
    made_on = day()
    url = fields.String()


class PublicRecord(Schema):
    """The published guide (art. 8), as the guide page shows it."""
    item_code = fields.String()
    base_code = fields.String()
    level = fields.String()
    level_label = fields.String(allow_none=True)
    citywide = fields.Boolean()
    version = fields.Integer()
    effective_from = day(allow_none=True)
    name = fields.String(allow_none=True)
    item_type = fields.String(allow_none=True)
    item_type_label = fields.String(allow_none=True)
    implementing_body = fields.String(allow_none=True)
    legal_basis = fields.List(fields.Nested(LegalBasisDoc))
    service_object = fields.String(allow_none=True)
    service_object_label = fields.String(allow_none=True)
    acceptance_conditions = fields.String(allow_none=True)
    legal_limit_days = fields.Integer(allow_none=True)
    promised_limit_days = fields.Integer(allow_none=True)
    fee_charged = fields.Boolean()
    fee_standard = fields.String(allow_none=True)
    fee_basis = fields.String(allow_none=True)
    handling_channels = fields.List(fields.String())
    handling_channel_labels = fields.List(fields.String())
    location = fields.String(allow_none=True)
    hours = fields.String(allow_none=True)
    halls = fields.List(fields.Nested(PublicHall))
    result_name = fields.String(allow_none=True)
    result_sample = fields.String(allow_none=True)
    consultation_contact = fields.String(allow_none=True)
    complaint_contact = fields.String(allow_none=True)
    process_description = fields.String(allow_none=True)
    special_procedures = fields.List(fields.Nested(SpecialProcedureDoc))
    process_key = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(PublicMaterial))
    change_summary = fields.String(allow_none=True)
    legal_change = fields.String(allow_none=True)
    guide_url = fields.String()
    qr_url = fields.String()
    faq = fields.List(fields.Nested(Faq), metadata={"description": "常见问题（公开的咨询答复）"})
    related_policies = fields.List(fields.Nested(RelatedPolicy))


class VersionOut(Schema):
    item_code = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"description": "draft / published / superseded"})
    name = fields.String(allow_none=True)
    effective_from = day(allow_none=True)
    effective_until = day(allow_none=True)
    change_summary = fields.String(allow_none=True)
    legal_change = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    published_by = fields.String(allow_none=True)
    published_at = moment(allow_none=True)


class DraftOut(VersionOut):
    findings = fields.List(fields.Nested(Finding), metadata={"description": "检查发现的问题（不妨碍保存草稿）"})


class VersionList(Schema):
    item_code = fields.String()
    versions = fields.List(fields.Nested(VersionOut))


class GuideDocument(ItemDoc):
    """A version as an import document (README: "Guide documents"): what ItemDoc reads, and which
    version it was."""
    version = fields.Integer()  # type: ignore[assignment]  # ItemDoc reads it as anything and ignores it
    status = fields.String()  # type: ignore[assignment]
    effective_from = day(allow_none=True)  # type: ignore[assignment]


class VersionDocument(GuideDocument):
    findings = fields.List(fields.Nested(Finding))


class Findings(Schema):
    findings = fields.List(fields.Nested(Finding))


class ItemHallsOut(Schema):
    item_code = fields.String()
    halls = fields.List(fields.String())
    citywide = fields.Boolean()


class FileOut(Schema):
    sha256 = fields.String()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    url = fields.String()


class CertificateOut(Schema):
    code = fields.String()
    name = fields.String()
    issuing_body = fields.String(allow_none=True)
    legal_basis = fields.String(allow_none=True)


class CertificateList(Schema):
    certificates = fields.List(fields.Nested(CertificateOut))
