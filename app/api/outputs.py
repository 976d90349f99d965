"""Output schemas of cases, tasks, events and what several modules share (they document and, where a
view dumps through them, shape what the API returns). Every one is strict: a field the API
returns is a field declared here."""
from marshmallow import Schema, fields

# A text that is a date (YYYY-MM-DD) or a moment (ISO 8601) already, as the presenters write them.
DAY = {"format": "date"}
MOMENT = {"format": "date-time"}


def day(**kwargs) -> fields.String:
    return fields.String(metadata={**DAY, **kwargs.pop("metadata", {})}, **kwargs)


def moment(**kwargs) -> fields.String:
    return fields.String(metadata={**MOMENT, **kwargs.pop("metadata", {})}, **kwargs)


class CodeName(Schema):
    code = fields.String()
    name = fields.String()


class GuideRef(Schema):
    version = fields.Integer()
    name = fields.String(allow_none=True)
    effective_from = day(allow_none=True)
    status = fields.String()


class ProxyPerson(Schema):
    name = fields.String()
    id_number = fields.String(allow_none=True)
    relation = fields.String(metadata={"description": "family / colleague / entrusted / community_worker"})
    relation_label = fields.String()


class ProxyRef(Schema):
    hall = fields.Nested(CodeName, allow_none=True, metadata={"description": "代办的便民服务站"})
    by = fields.String(allow_none=True)
    person = fields.Nested(ProxyPerson, allow_none=True, metadata={"description": "代为申请的人（代办人）"})


class CaseApplicant(Schema):
    id_type = fields.String(metadata={"description": "id_card / uscc"})
    id_number = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ProcessRef(Schema):
    key = fields.String()
    version = fields.Integer()
    name = fields.String(allow_none=True, metadata={"description": "流程名称（BPMN process name）"})


class SpecialProcedureState(Schema):
    kind = fields.String()
    label = fields.String()
    reason = fields.String()
    started_at = moment()
    started_by = fields.String()


class MaterialOut(Schema):
    """A material of a case and where it came from (the staff's view adds the file's details)."""
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    source = fields.String(metadata={"description": "upload / on_file / shared …"})
    source_label = fields.String()
    file_name = fields.String(allow_none=True)
    uploaded_at = moment()
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    from_case_id = fields.Integer(allow_none=True)
    uploaded_by = fields.String(allow_none=True)


class MaterialList(Schema):
    items = fields.List(fields.Nested(MaterialOut))


class TaskOut(Schema):
    id = fields.String()
    case_id = fields.Integer()
    case_no = fields.String()
    name = fields.String(metadata={"description": "BPMN 元素 id"})
    title = fields.String(metadata={"description": "任务名称（中文）"})
    role = fields.String()
    role_label = fields.String()
    hall = fields.String()
    assignee = fields.String(allow_none=True, metadata={"description": "认领人的登录名"})
    assignee_name = fields.String(allow_none=True, metadata={"description": "认领人的姓名"})
    state = fields.String()
    form_key = fields.String(allow_none=True)
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)
    completed_by_name = fields.String(allow_none=True)
    item = fields.Nested(CodeName)
    case_status = fields.String()
    due_provisional = fields.Boolean(metadata={"description": "期限按尚无正式节假日安排的年份计算"})
    working_days_left = fields.Integer(allow_none=True)
    warning = fields.String(allow_none=True, metadata={"description": "green / yellow / red"})
    urged_at = fields.DateTime(allow_none=True, metadata={"description": "督办人员催办的时间"})
    urge_note = fields.String(allow_none=True)
    applicant_contact = fields.String(allow_none=True, metadata={
        "description": "本环节允许的与申请人接触（BPMN 扩展属性 applicantContact）；null 为不安排接触"})
    applicant_contact_label = fields.String(allow_none=True)


class Deadline(Schema):
    kind = fields.String(metadata={"description": "acceptance（受理）/ decision（承诺办结）"})
    due_at = fields.DateTime()
    working_days_left = fields.Integer()
    warning = fields.String(metadata={"description": "green / yellow / red（超期）"})


class TaskDetail(TaskOut):
    documentation = fields.String(allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "form-js 表单 JSON"})
    form_data = fields.Dict(metadata={"description": "表单所需数据（如 valuesKey 选项）"})
    case_revision = fields.Integer()


class Event(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    kind = fields.String()
    actor = fields.String()
    message = fields.String()
    data = fields.Dict()


class CaseOut(Schema):
    id = fields.Integer()
    case_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    status_reason = fields.String(allow_none=True)
    channel = fields.String()
    item = fields.Nested(CodeName)
    guide = fields.Nested(GuideRef, metadata={"description": "办件所依据的办事指南版本"})
    hall = fields.Nested(CodeName)
    proxy = fields.Nested(ProxyRef, allow_none=True, metadata={"description": "代办的便民服务站和代办人"})
    applicant = fields.Nested(CaseApplicant)
    materials = fields.List(fields.String())
    outstanding_materials = fields.List(fields.String())
    tolerated = fields.Boolean()
    correction_round = fields.Integer()
    decision = fields.String(allow_none=True)
    delivery_method = fields.String(allow_none=True)
    tracking_no = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True, metadata={"description": "ems / sf / jd / other"})
    delivery_choice = fields.String(allow_none=True, metadata={"description": "申请人申请时选择的送达方式"})
    mail_address = fields.Dict(allow_none=True, metadata={
        "description": "邮寄地址：recipient, phone, province, city, district, street, detail"})
    collected_by = fields.Dict(allow_none=True, metadata={
        "description": "窗口领取人：name, id_number, proxy, authorisation_checked"})
    supplement_due_at = fields.DateTime(allow_none=True)
    process = fields.Nested(ProcessRef)
    revision = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    acceptance_due = fields.DateTime(allow_none=True)
    decision_due = fields.DateTime(allow_none=True)
    legal_due = fields.DateTime(allow_none=True)
    deadlines_provisional = fields.Boolean()
    deadline = fields.Nested(Deadline, allow_none=True)
    special_procedure = fields.Nested(SpecialProcedureState, allow_none=True)
    paused_days = fields.Integer()
    application_data = fields.Dict()
    open_tasks = fields.List(fields.Nested(TaskOut))
    active_elements = fields.List(fields.String())
    events = fields.List(fields.Nested(Event))
    events_before = fields.Integer(allow_none=True, metadata={
        "description": "更早的记录：以 ?history_before= 该值再取一页（null：已是最早）"})
    history_intact = fields.Boolean(allow_none=True, metadata={"description": "最新记录与办件登记的链头一致（翻页时为 null）"})


class _Page(Schema):
    total = fields.Integer(metadata={"description": "符合条件的条数，最多数到 1000"})
    total_capped = fields.Boolean(metadata={"description": "true：超过 1000 条（显示为“1000+”）"})
    page = fields.Integer()
    per_page = fields.Integer()
    next_cursor = fields.String(allow_none=True, metadata={"description": "下一页的翻页标记（null：已是最后一页）"})


class TaskPage(_Page):
    items = fields.List(fields.Nested(TaskOut))


class CasePage(_Page):
    items = fields.List(fields.Nested(CaseOut))
