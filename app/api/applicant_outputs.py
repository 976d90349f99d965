"""What the applicant API answers: the account, the online application form, the applicant's own
cases with their notices, deliveries, documents and ratings (app.api.applicant serves them)."""
from marshmallow import Schema, fields

from app.api.outputs import CodeName, MaterialOut, moment


class Sent(Schema):
    sent = fields.Boolean()
    expires_in = fields.Integer(metadata={"description": "验证码有效秒数"})
    resend_after = fields.Integer(metadata={"description": "多少秒后可重新获取"})


class Person(Schema):
    name = fields.String()
    id_number = fields.String()


class Company(Schema):
    name = fields.String()
    uscc = fields.String()


class Profile(Schema):
    phone = fields.String()
    person = fields.Nested(Person, allow_none=True)
    companies = fields.List(fields.Nested(Company))


class SessionOut(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    account = fields.Nested(Profile)


class Identity(Schema):
    name = fields.String()
    id_type = fields.String()
    id_number = fields.String()


class FormField(Schema):
    key = fields.String()
    label = fields.String()
    type = fields.String(allow_none=True)
    subtype = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    required = fields.Boolean()
    options = fields.List(fields.Dict(), metadata={"description": "form-js 的 values：[{label, value}]"})


class OnFile(Schema):
    case_no = fields.String(allow_none=True)
    file_name = fields.String(allow_none=True)
    provided_at = moment()


class FormMaterial(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    requirement = fields.String()
    requirement_label = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    tolerable = fields.Boolean()
    category = fields.String()
    notes = fields.String(allow_none=True)
    shared = fields.Boolean(metadata={"description": "由部门共享获取，无需上传"})
    on_file = fields.Nested(OnFile, allow_none=True, metadata={"description": "可复用的已提交材料"})


class ApplicantOfForm(Identity):
    phone = fields.String()


class RunningCase(Schema):
    id = fields.Integer()
    case_no = fields.String()
    status_label = fields.String()
    created_at = moment()


class ApplicationFormOut(Schema):
    fields_ = fields.List(fields.Nested(FormField), data_key="fields")
    item_code = fields.String()
    name = fields.String(allow_none=True)
    guide_version = fields.Integer()
    applicant = fields.Nested(ApplicantOfForm)
    acting_options = fields.List(fields.Nested(Identity))
    halls = fields.List(fields.Nested(CodeName))
    citywide = fields.Boolean()
    delivery_methods = fields.Dict(keys=fields.String(), values=fields.String(),
                                   metadata={"description": "送达方式代码 → 名称"})
    local = fields.Dict(keys=fields.String(), values=fields.String(),
                        metadata={"description": "邮寄地址默认的省、市、区"})
    materials = fields.List(fields.Nested(FormMaterial))
    duplicates = fields.List(fields.Nested(RunningCase), metadata={
        "description": "本人同一事项尚在办理的办件：再次申请须 confirm_duplicate"})
    duplicates_elsewhere = fields.Integer(metadata={"description": "以其他手机号在窗口办理的同一事项在办件数"})


class OwnDeadline(Schema):
    kind = fields.String(metadata={"description": "acceptance / decision"})
    due_at = moment()
    working_days_left = fields.Integer()


class AskedMaterial(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    requirement = fields.String(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "窗口对该材料存在问题的说明"})


class Notice(Schema):
    kind = fields.String(metadata={"description": "correction（补正）/ tolerance（容缺）"})
    title = fields.String()
    due_at = moment()
    working_days_left = fields.Integer()
    materials = fields.List(fields.Nested(AskedMaterial))
    reason = fields.String(allow_none=True, metadata={"description": "窗口写明的补正说明"})


class Delivery(Schema):
    pickup_code = fields.String(allow_none=True)
    pickup_suspended = fields.Boolean()
    method = fields.String(allow_none=True, metadata={"description": "实际送达方式（送达后）"})
    tracking_no = fields.String(allow_none=True)
    carrier_label = fields.String(metadata={"description": "快递公司名称"})
    choice_label = fields.String(metadata={"description": "申请人选择的送达方式（邮寄时含地址）"})
    e_delivery_url = fields.String(allow_none=True)


class OwnCaseOut(Schema):
    id = fields.Integer()
    case_no = fields.String()
    item = fields.Nested(CodeName)
    guide_version = fields.Integer()
    hall = fields.Nested(CodeName)
    channel = fields.String()
    applicant = fields.Nested(Person)
    status = fields.String()
    status_label = fields.String()
    status_reason = fields.String(allow_none=True)
    current_step = fields.String()
    deadline = fields.Nested(OwnDeadline, allow_none=True)
    notice = fields.Nested(Notice, allow_none=True, metadata={"description": "需要申请人答复的补正或容缺通知"})
    delivery = fields.Nested(Delivery)
    created_at = moment()
    closed_at = moment(allow_none=True)


class HistoryEntry(Schema):
    at = moment()
    kind = fields.String()
    message = fields.String()


class OwnDocumentOut(Schema):
    id = fields.Integer()
    document_no = fields.String(allow_none=True)
    title = fields.String()
    signed_at = moment(allow_none=True)
    ready = fields.Boolean(metadata={"description": "文书已生成，可下载"})


class OwnCaseDetail(OwnCaseOut):
    materials = fields.List(fields.Nested(MaterialOut))
    history = fields.List(fields.Nested(HistoryEntry))
    rated = fields.Boolean()
    documents = fields.List(fields.Nested(OwnDocumentOut))


class OwnCaseList(Schema):
    items = fields.List(fields.Nested(OwnCaseOut))


class OwnRatingOut(Schema):
    level = fields.Integer()
    channel = fields.String()
    rectification = fields.Boolean(metadata={"description": "差评：启动整改"})
