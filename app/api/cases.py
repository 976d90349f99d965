"""Cases: receive an application, list and read cases, deliver supplements."""
from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.docs import MEDIA_TYPES, UPLOAD, Blueprint
from app.api.headers import expected_revision
from app.api.outputs import CaseOut, CasePage, MaterialList, moment
from app.api.schemas import CursorArgs, StrictSchema, one_of, page_of, text
from app.api.security import principal
from app.cases import delivery_choice, pauses, receiving
from app.cases import materials as case_materials
from app.cases import service as cases
from app.cases.models import STATUS_LABELS
from app.documents import delivery
from app.documents import service as documents
from app.errors import ValidationFailed
from app.evaluation import service as evaluation
from app.http.files import document_response, file_response
from app.http.present import present_case
from app.http.requests import file_store
from app.http.runtime import db_session, runtime, settings
from app.inbox import operations
from app.notify import service as notify

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="办件")


class ApplicantIn(StrictSchema):
    name = text(200, required=True)
    id_type = fields.String(required=True, validate=one_of(["id_card", "uscc"]))
    id_number = text(18, required=True)
    phone = text(32, load_default=None, allow_none=True)
    email = text(254, load_default=None, allow_none=True)


class ProxyIn(StrictSchema):
    name = text(50, required=True)
    id_number = text(18, load_default=None, allow_none=True,
                     metadata={"description": "代办人的居民身份证号码（社区代办员 community_worker 可不填）"})
    relation = fields.String(required=True, validate=one_of(list(receiving.PROXY_RELATIONS)))


class AddressIn(StrictSchema):
    recipient = text(50, load_default=None, allow_none=True, metadata={"description": "收件人（默认申请人）"})
    phone = text(32, load_default=None, allow_none=True, metadata={"description": "收件人电话（默认申请人电话）"})
    province = text(20, required=True)
    city = text(20, required=True)
    district = text(20, required=True)
    street = text(30, required=True, metadata={"description": "街道（乡镇）"})
    detail = text(100, required=True, metadata={"description": "路、门牌号"})


class DeliveryIn(StrictSchema):
    method = fields.String(required=True, validate=one_of(list(delivery_choice.METHODS)))
    address = fields.Nested(AddressIn, load_default=None, allow_none=True, metadata={"description": "邮寄时必填"})


class CaseIn(StrictSchema):
    item_code = text(64, required=True)
    applicant = fields.Nested(ApplicantIn, required=True)
    channel = fields.String(required=True, validate=one_of(list(cases.CHANNELS)))
    hall = text(32, required=True)
    materials = fields.List(text(64), load_default=list)
    data = fields.Dict(load_default=dict, metadata={"description": "申请表字段（流程开始事件的表单，如延续申请的证照有效期）"})
    delivery = fields.Nested(DeliveryIn, load_default=None, allow_none=True,
                             metadata={"description": "申请人选择的送达方式（窗口领取、邮寄、网上送达），综合窗口出件时可变更"})
    proxy = fields.Nested(ProxyIn, load_default=None, allow_none=True,
                          metadata={"description": "代办：代申请人提交的人（姓名、身份证号、与申请人的关系）"})


class SupplementIn(StrictSchema):
    materials = fields.List(text(64), required=True)
    note = text(2000, multiline=True, load_default=None, allow_none=True)


class ProcedureIn(StrictSchema):
    kind = fields.String(required=True, validate=one_of(list(pauses.KINDS)))
    reason = text(2000, multiline=True, required=True)


class ProcedureEndIn(StrictSchema):
    note = text(2000, multiline=True, load_default=None, allow_none=True)


class CaseQuery(CursorArgs):
    status = fields.String(validate=one_of(list(STATUS_LABELS)))
    item_code = fields.String()
    hall = fields.String()
    case_no = fields.String()
    id_number = fields.String()
    open = fields.Boolean()
    q = text(100, metadata={"description": "搜索：办件编号开头、申请人名称或事项名称的任一部分"})


class DocumentOut(Schema):
    id = fields.Integer()
    document_no = fields.String(allow_none=True)
    kind = fields.String()
    title = fields.String()
    verify_path = fields.String(metadata={"description": "公开核验页面的路径"})
    sha256 = fields.String(allow_none=True)
    signer = fields.String()
    key_id = fields.String(allow_none=True)
    signed_at = moment(allow_none=True)
    issued_at = moment(allow_none=True)
    state = fields.String(metadata={"description": "ready（已生成）或 drawing（生成中：决定已作出，文书稍后生成）"})
    state_label = fields.String()


class DocumentList(Schema):
    items = fields.List(fields.Nested(DocumentOut))


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    channel = fields.String()
    recipient = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    body = fields.String()
    created_at = moment()
    sent_at = moment(allow_none=True)


class NotificationList(Schema):
    items = fields.List(fields.Nested(NotificationOut))


class RatingOut(Schema):
    level = fields.Integer()
    channel = fields.String()
    visit = fields.String(metadata={"description": "评价的到访日（YYYY-MM-DD）"})


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseIn)
    @blp.response(201, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload):
        """Receive an application (收件) and start its process. Answers like every action: the case
        and its open tasks; the history is on `GET /cases/{id}`."""
        case = cases.start_case(db_session(), principal(), payload, runtime())
        return present_case(case, db_session(), detail=True, history_too=False)

    @blp.arguments(CaseQuery, location="query")
    @blp.response(200, CasePage)
    @blp.errors(403)
    def get(self, args):
        """Cases of the halls you work in, newest first (admins see all); page on with `cursor`."""
        page, per_page = args.pop("page"), args.pop("per_page")
        open_only = args.pop("open", False)
        found = cases.search_cases(db_session(), principal(), open_only=open_only, page=page, per_page=per_page, **args)
        return page_of([present_case(c, db_session()) for c in found.rows], found.total, page, per_page,
                       total_capped=found.total_capped, next_cursor=found.next_cursor)


class HistoryArgs(StrictSchema):
    history_limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500, error="必须在 1–500 之间"))
    history_before = fields.Integer(validate=validate.Range(min=1, max=2147483647, error="必须是正整数"),
                                    metadata={"description": "上一页返回的 events_before：取更早的记录"})


@blp.route("/<int(max=2147483647):case_id>")
class CaseDetail(MethodView):
    @blp.arguments(HistoryArgs, location="query")
    @blp.response(200, CaseOut)
    @blp.errors(403, 404)
    def get(self, args, case_id):
        """A case with its open tasks and its history, newest first, a page at a time."""
        return present_case(cases.visible_case(db_session(), principal(), case_id), db_session(), detail=True,
                            history_limit=args["history_limit"], history_before=args.get("history_before"))


@blp.route("/<int(max=2147483647):case_id>/supplements")
class Supplements(MethodView):
    @blp.arguments(SupplementIn)
    @blp.response(200, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, case_id):
        """Record materials supplied after a correction or tolerance notice (补正)."""
        case = cases.deliver_supplement(db_session(), principal(), case_id, payload["materials"],
                                        payload.get("note"), runtime(), expected_revision())
        return present_case(case, db_session(), detail=True, history_too=False)


@blp.route("/<int(max=2147483647):case_id>/special-procedures")
class SpecialProcedures(MethodView):
    @blp.arguments(ProcedureIn)
    @blp.response(200, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, case_id):
        """Start a special procedure (听证、现场勘查、专家评审…): the clock stops until it ends."""
        case = pauses.start(db_session(), principal(), case_id, payload["kind"], payload["reason"], runtime())
        return present_case(case, db_session(), detail=True, history_too=False)


@blp.route("/<int(max=2147483647):case_id>/special-procedures/end")
class SpecialProcedureEnd(MethodView):
    @blp.arguments(ProcedureEndIn)
    @blp.response(200, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, case_id):
        """End the running special procedure: every deadline moves by the working days it took."""
        case = pauses.end(db_session(), principal(), case_id, payload.get("note"), runtime())
        return present_case(case, db_session(), detail=True, history_too=False)


@blp.route("/<int(max=2147483647):case_id>/materials")
class Materials(MethodView):
    @blp.returns(200, MaterialList)
    @blp.errors(403, 404)
    def get(self, case_id):
        """The case's materials and where each came from (upload, on file, shared)."""
        case = cases.visible_case(db_session(), principal(), case_id)
        return {"items": [case_materials.describe(m, staff=True) for m in case_materials.of_case(db_session(), case.id)]}

    @blp.multipart(["material_code", "file"], material_code={"type": "string", "description": "材料编码"},
                   file=UPLOAD)
    @blp.returns(201, MaterialList)
    @blp.errors(403, 404, 409, 507)
    def post(self, case_id):
        """Upload a scan of a material (multipart: material_code, file; PDF/JPEG/PNG)."""
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("请上传文件", {"file": ["必填项（multipart 字段 file）"]})
        code = request.form.get("material_code") or ""
        if not code:
            raise ValidationFailed("请选择材料", {"material_code": ["必填项"]})
        case = cases.add_material_file(db_session(), principal(), case_id, code,
                                       upload.read(file_store().max_bytes + 1), upload.filename, file_store())
        return {"items": [case_materials.describe(m, staff=True) for m in case_materials.of_case(db_session(), case.id)]}, 201


@blp.route("/<int(max=2147483647):case_id>/materials/<int(max=2147483647):material_id>")
class MaterialFile(MethodView):
    @blp.file("材料文件（下载）", *MEDIA_TYPES)
    @blp.errors(403, 404)
    def get(self, case_id, material_id):
        """Download a material file (staff of the case's hall; recorded in the case history)."""
        row, content = cases.download_material(db_session(), principal(), case_id, material_id, file_store())
        return file_response(row, content)



class CommentIn(StrictSchema):
    text = text(500, multiline=True, required=True)


@blp.route("/<int(max=2147483647):case_id>/comments")
class Comments(MethodView):
    @blp.arguments(CommentIn)
    @blp.response(201, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, case_id):
        """A staff comment on the case (internal: never shown to the applicant)."""
        case = operations.comment(db_session(), principal(), case_id, payload["text"])
        return present_case(case, db_session(), detail=True, history_too=False)


@blp.route("/<int(max=2147483647):case_id>/documents")
class CaseDocuments(MethodView):
    @blp.returns(200, DocumentList)
    @blp.errors(403, 404)
    def get(self, case_id):
        """The documents the case has produced (受理凭证, 通知书, 决定书), signed."""
        case = cases.visible_case(db_session(), principal(), case_id)
        return {"items": [documents.describe(d) | {"id": d.id} for d in documents.of_case(db_session(), case.id)]}


@blp.route("/<int(max=2147483647):case_id>/documents/<int(max=2147483647):document_id>")
class CaseDocument(MethodView):
    @blp.file("签章的 PDF 文书", "application/pdf")
    @blp.errors(403, 404)
    def get(self, case_id, document_id):
        """One document as its signed PDF (drawn now if it is still being prepared)."""
        case = cases.visible_case(db_session(), principal(), case_id)
        found = documents.drawn(db_session(), case.id, document_id, runtime().key_file, file_store(),
                                settings().document_base_url)
        return document_response(found, file_store())


@blp.route("/<int(max=2147483647):case_id>/notifications")
class CaseNotifications(MethodView):
    @blp.returns(200, NotificationList)
    @blp.errors(403, 404)
    def get(self, case_id):
        """What the applicant was told, by which channel, and whether it went out."""
        case = cases.visible_case(db_session(), principal(), case_id)
        return {"items": [notify.describe(n) for n in notify.of_case(db_session(), case.id)]}


class PickupResetIn(StrictSchema):
    note = text(500, multiline=True, load_default=None, allow_none=True)


@blp.route("/<int(max=2147483647):case_id>/pickup-code/reset")
class PickupCodeReset(MethodView):
    @blp.arguments(PickupResetIn)
    @blp.response(200, CaseOut)
    @blp.errors(403, 404, 409)
    def post(self, payload, case_id):
        """Resume window pickup suspended after repeated wrong pickup codes (supervisors of the
        case's hall, administrators): a fresh code goes to the applicant; written into the history."""
        case = delivery.reset_pickup_code(db_session(), principal(), case_id, payload.get("note"))
        return present_case(case, db_session(), detail=True, history_too=False)


class TabletRatingIn(StrictSchema):
    level = fields.Integer(required=True)
    comment = text(500, multiline=True, load_default=None, allow_none=True)


@blp.route("/<int(max=2147483647):case_id>/evaluations")
class WindowEvaluation(MethodView):
    @blp.arguments(TabletRatingIn)
    @blp.returns(201, RatingOut)
    @blp.errors(403, 404, 409)
    def post(self, args, case_id):
        """The window tablet: the applicant rates this visit (one rating per case and visit day)."""
        case = cases.visible_case(db_session(), principal(), case_id)
        row = evaluation.rate_at_window(db_session(), principal(), case, args["level"], args.get("comment"), settings())
        return {"level": row.level, "channel": row.channel, "visit": row.visit}, 201
