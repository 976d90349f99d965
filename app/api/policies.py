"""政策文件 (art. 30): policy editors (administrators, designers) draft, illustrate and publish
policy documents, each due for publication within 15 working days of being made; anyone reads
the published ones."""
from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from app import clock
from app.api.docs import UPLOAD, Blueprint
from app.api.outputs import day, moment
from app.api.schemas import StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.calendar import service as calendar
from app.errors import ValidationFailed
from app.http.requests import base_url, file_store
from app.http.runtime import db_session, settings
from app.policies import service as policies

blp = Blueprint("policies", __name__, url_prefix="/api/v1/policies", description="政策文件（制定后 15 个工作日内公开）")
public_blp = Blueprint("public_policies", __name__, url_prefix="/api/v1/public/policies",
                       description="已公开的政策文件（无需登录）")
EDITORS = policies.EDITOR_ROLES


class PolicyIn(StrictSchema):
    title = text(200, required=True)
    issuing_body = text(200, required=True, metadata={"description": "发文机关"})
    document_number = text(100, load_default=None, allow_none=True, metadata={"description": "文号"})
    made_on = fields.Date(required=True, error_messages={"invalid": "日期格式应为 YYYY-MM-DD"},
                          metadata={"description": "制定日期，不晚于今天"})
    full_text = text(100_000, multiline=True, required=True)
    qa = text(20_000, multiline=True, load_default=None, allow_none=True, metadata={"description": "政策解读：问答"})
    video_url = text(500, load_default=None, allow_none=True, metadata={"description": "视频解读链接（http/https）"})
    owner = text(64, load_default=None, allow_none=True, metadata={"description": "责任人用户名，默认创建人"})
    item_codes = fields.List(text(64), load_default=list, metadata={"description": "涉及的事项编码"})


class PolicyChanges(PolicyIn):
    """The fields of a draft to change (PUT): any of PolicyIn's."""


class PolicyQuery(StrictSchema):
    status = fields.String(validate=one_of(list(policies.FILTERS)))
    item_code = text(64)


class PolicyItem(Schema):
    item_code = fields.String()
    name = fields.String()
    guide_url = fields.String(allow_none=True, metadata={"description": "已发布办事指南的地址"})


class PublicPolicyOut(Schema):
    id = fields.Integer()
    title = fields.String()
    issuing_body = fields.String()
    document_number = fields.String(allow_none=True)
    made_on = day()
    published_at = moment(allow_none=True)
    published_on = day(allow_none=True)
    full_text = fields.String()
    qa = fields.String(allow_none=True)
    graphic_url = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    items = fields.List(fields.Nested(PolicyItem))
    url = fields.String()


class PolicyOut(PublicPolicyOut):
    state = fields.String()
    status = fields.String(metadata={"description": "、".join(policies.FILTERS)})
    status_label = fields.String()
    warning = fields.String(metadata={"description": "green / yellow / red；已公开为空"})
    owner = fields.String()
    owner_name = fields.String()
    warn_at = moment(allow_none=True)
    publish_due = moment(allow_none=True)
    publish_due_date = day()
    deadline_provisional = fields.Boolean()
    working_days_left = fields.Integer(allow_none=True)
    graphic_sha256 = fields.String(allow_none=True)
    warned_at = moment(allow_none=True)
    overdue_at = moment(allow_none=True)
    published_by = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = moment(allow_none=True)


class PolicyList(Schema):
    items = fields.List(fields.Nested(PolicyOut))


class PublicPolicyList(Schema):
    items = fields.List(fields.Nested(PublicPolicyOut))


def _staff(row) -> dict:
    return policies.staff_record(row, calendar.current(db_session()), clock.now(), base_url())


@blp.route("")
class Policies(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(PolicyQuery, location="query")
    @blp.returns(200, PolicyList)
    @blp.errors(403)
    def get(self, args):
        """Every policy with its status, deadline and working days left: unpublished ones first,
        soonest due first. `status`: draft, due_soon, overdue, unpublished, published,
        published_on_time, published_late."""
        return {"items": [_staff(p) for p in policies.listing(db_session(), args.get("status"), args.get("item_code"))]}

    @require_roles(*EDITORS)
    @blp.arguments(PolicyIn)
    @blp.returns(201, PolicyOut)
    @blp.errors(403)
    def post(self, args):
        """Record a policy as a draft; its publication deadline is counted from the day made."""
        me = principal()
        return _staff(policies.create(db_session(), args, me.user_id, me.username, settings())), 201


@blp.route("/<int(max=2147483647):policy_id>")
class Policy(MethodView):
    @require_roles(*EDITORS)
    @blp.returns(200, PolicyOut)
    @blp.errors(403, 404)
    def get(self, policy_id):
        """One policy, drafts included."""
        return _staff(policies.get(db_session(), policy_id))

    @require_roles(*EDITORS)
    @blp.arguments(PolicyChanges(partial=True))
    @blp.returns(200, PolicyOut)
    @blp.errors(403, 404, 409)
    def put(self, args, policy_id):
        """Change the fields given of a draft (a published policy never changes: 409)."""
        return _staff(policies.update(db_session(), policy_id, args, settings()))


@blp.route("/<int(max=2147483647):policy_id>/publish")
class Publish(MethodView):
    @require_roles(*EDITORS)
    @blp.returns(200, PolicyOut)
    @blp.errors(403, 404, 409)
    def post(self, policy_id):
        """Publish a draft: it appears on the public pages and the guides it affects."""
        return _staff(policies.publish(db_session(), policy_id, principal().username))


@blp.route("/<int(max=2147483647):policy_id>/graphic")
class Graphic(MethodView):
    @require_roles(*EDITORS)
    @blp.multipart(["file"], file=UPLOAD)
    @blp.returns(200, PolicyOut)
    @blp.errors(403, 404, 409, 507)
    def post(self, policy_id):
        """The interpretation's graphic (图解): PDF, JPEG or PNG, multipart field `file`."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed("请上传图解文件", {"file": ["必填项（multipart 字段 file）"]})
        row = policies.set_graphic(db_session(), file_store(), policy_id,
                                   upload.read(file_store().max_bytes + 1), upload.filename,
                                   principal().username)
        return _staff(row)


@public_blp.route("")
class PublicPolicies(MethodView):
    @public_blp.doc(security=[])
    @public_blp.returns(200, PublicPolicyList)
    def get(self):
        """Published policies, newest first (no login)."""
        return {"items": [policies.public_record(p, base_url()) for p in policies.published(db_session())]}


@public_blp.route("/<int(max=2147483647):policy_id>")
class PublicPolicy(MethodView):
    @public_blp.doc(security=[])
    @public_blp.returns(200, PublicPolicyOut)
    @public_blp.errors(404)
    def get(self, policy_id):
        """One published policy with its interpretation and the guides it affects; drafts are 404."""
        return policies.public_record(policies.published_one(db_session(), policy_id), base_url())
