"""Process drafts (the modeler's workspace): create blank, from a template, from a deployed version
or from a file; autosave with one editor at a time; validate; deploy with the draft's forms."""
from pathlib import Path

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from app.api.docs import Blueprint
from app.api.processes import DeployForm, ValidationOut, Version, _read, deployed
from app.api.schemas import ErrorSchema, StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.http.runtime import db_session, settings
from app.processes import drafts
from app.processes import service as processes

blp = Blueprint("drafts", __name__, url_prefix="/api/v1/drafts", description="流程草稿（建模工作区）")


class VersionRef(Schema):
    key = fields.String()
    version = fields.Integer()


class DraftSummary(Schema):
    id = fields.Integer()
    name = fields.String()
    based_on = fields.Nested(VersionRef, allow_none=True, metadata={"description": "从哪个已部署版本开始"})
    deployed = fields.Nested(VersionRef, allow_none=True, metadata={"description": "最近一次由此草稿部署的版本"})
    revision = fields.Integer(metadata={"description": "保存次数：保存时须带上，防止覆盖他人的修改"})
    updated_at = fields.DateTime()
    updated_by = fields.String(allow_none=True, metadata={"description": "最后保存人（姓名）"})
    editor = fields.String(allow_none=True, metadata={"description": "正在编辑的人（姓名），无人编辑为空"})
    editing_by_other = fields.Boolean(metadata={"description": "他人正在编辑：本人只能查看"})


class Draft(DraftSummary):
    xml = fields.String(metadata={"description": "BPMN 2.0 XML"})
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={"description": "表单键 → form-js 表单"})


class DraftList(Schema):
    items = fields.List(fields.Nested(DraftSummary))
    templates = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "可选模板：键 → 名称"})


class DraftIn(StrictSchema):
    source = fields.String(required=True, validate=one_of(["blank", "template", "version"]))
    name = text(drafts.NAME_MAX, load_default=None, allow_none=True)
    template = text(128, load_default=None, allow_none=True)
    key = text(128, load_default=None, allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2147483647))


class DraftSave(StrictSchema):
    xml = text(4 * 1024 * 1024, multiline=True, required=True)
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True)
    name = text(drafts.NAME_MAX, load_default=None, allow_none=True)
    revision = fields.Integer(required=True)


def present(draft, detail: bool = False) -> dict:
    me = principal()
    other = drafts.editing_by_other(draft, me)
    live = draft.editor if draft.editor_id and (other or draft.editor_id == me.user_id) else None
    out = {
        "id": draft.id, "name": draft.name, "revision": draft.revision, "updated_at": draft.updated_at.isoformat(),
        "updated_by": draft.updated_by.display_name if draft.updated_by else None,
        "editor": live.display_name if live else None, "editing_by_other": other,
        "based_on": {"key": draft.based_on_key, "version": draft.based_on_version} if draft.based_on_key else None,
        "deployed": {"key": draft.deployed_key, "version": draft.deployed_version} if draft.deployed_key else None,
    }
    if detail:
        out.update(xml=bytes(draft.bpmn_xml).decode("utf-8", errors="replace"), forms=draft.forms or {})
    return out


def _dirs() -> dict:
    return {"processes_dir": Path(current_app.config["PROCESSES_DIR"]), "forms_dir": settings().forms_dir}


@blp.route("")
class Drafts(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, DraftList)
    @blp.errors(403)
    def get(self):
        """Every draft, the latest saved first, with who edits it now; the templates to start from."""
        return {"items": [present(d) for d in drafts.listing(db_session(), principal())],
                "templates": drafts.templates(_dirs()["processes_dir"])}

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(DraftIn)
    @blp.returns(201, Draft)
    @blp.errors(403, 404)
    def post(self, args):
        """A new draft: blank, from a template, or from a deployed version (with its forms)."""
        draft = drafts.create(db_session(), principal(), args["source"], name=args.get("name"), key=args.get("key"),
                              version=args.get("version"), template=args.get("template"), **_dirs())
        return present(drafts.get(db_session(), principal(), draft.id), detail=True), 201


class Blocks(Schema):
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={"description": "表单键 → form-js 表单"})


@blp.route("/blocks")
class DraftBlocks(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, Blocks)
    @blp.errors(403)
    def get(self):
        """The forms of the modeler's building blocks (受理审查, 审查决定, 出件), added to a draft that uses one."""
        return {"forms": drafts.block_forms(principal(), settings().forms_dir)}


@blp.route("/upload")
class DraftUpload(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(DeployForm, location="files")
    @blp.returns(201, Draft)
    @blp.errors(403)
    def post(self, form):
        """A draft from a .bpmn file and its .form files."""
        limits = processes.DeployLimits.of(settings())
        bpmn, uploads = _read(form, limits)
        draft = drafts.upload(db_session(), principal(), form["file"].filename, bpmn, uploads, limits)
        return present(drafts.get(db_session(), principal(), draft.id), detail=True), 201


@blp.route("/<int(max=2147483647):draft_id>")
class OneDraft(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, Draft)
    @blp.errors(403, 404)
    def get(self, draft_id):
        """A draft with its BPMN and forms."""
        return present(drafts.get(db_session(), principal(), draft_id), detail=True)

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(DraftSave)
    @blp.returns(200, DraftSummary)
    @blp.errors(403, 404, 409)
    def put(self, args, draft_id):
        """Save (autosave): refused with 409 while another designer edits, or when `revision` is stale."""
        draft = drafts.save(db_session(), principal(), draft_id, bpmn=args["xml"].encode("utf-8"),
                            forms=args.get("forms"), name=args.get("name"), revision=args["revision"],
                            max_bytes=settings().max_bpmn_bytes)
        return present(draft)

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.response(204)
    @blp.errors(403, 404, 409)
    def delete(self, draft_id):
        """Delete a draft (not while another designer edits it)."""
        drafts.delete(db_session(), principal(), draft_id)


@blp.route("/<int(max=2147483647):draft_id>/lease")
class DraftLease(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, DraftSummary)
    @blp.errors(403, 404, 409)
    def post(self, draft_id):
        """Take or renew the editing lease (2 minutes; the open page renews it)."""
        return present(drafts.claim(db_session(), principal(), draft_id))

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.response(204)
    @blp.errors(403, 404)
    def delete(self, draft_id):
        """Stop editing: another designer may take the draft at once."""
        drafts.release(db_session(), principal(), draft_id)


@blp.route("/<int(max=2147483647):draft_id>/validate")
class DraftValidate(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, ValidationOut)
    @blp.errors(403, 404)
    def post(self, draft_id):
        """Every finding a deployment of the saved draft would report."""
        problems = drafts.validate(db_session(), principal(), draft_id, settings())
        return {"valid": not problems, "problems": problems, "key": None}


class DraftCheck(StrictSchema):
    xml = text(4 * 1024 * 1024, multiline=True, required=True)
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True)


@blp.route("/<int(max=2147483647):draft_id>/check")
class DraftLiveCheck(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(DraftCheck)
    @blp.returns(200, ValidationOut)
    @blp.errors(403, 404, 413)
    def post(self, args, draft_id):
        """The findings of the diagram as it is being edited, without saving it (the modeler asks a
        moment after each change); without `forms`, the draft's saved forms."""
        problems = drafts.check(db_session(), principal(), draft_id, args["xml"].encode("utf-8"), args.get("forms"),
                                settings())
        return {"valid": not problems, "problems": problems, "key": None}


@blp.route("/<int(max=2147483647):draft_id>/deploy")
class DraftDeploy(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.response(201, Version)
    @blp.alt_response(200, schema=Version, description="内容相同，返回已有版本")
    @blp.alt_response(422, schema=ErrorSchema, description="校验未通过：problems 列出每个问题 {element_id, rule, message}")
    @blp.errors(403, 404)
    def post(self, draft_id):
        """Deploy the saved draft with its forms as one version (200 when the content is unchanged)."""
        return deployed(*drafts.deploy(db_session(), principal(), draft_id, settings()))


class FormTry(StrictSchema):
    data = fields.Dict(required=True, metadata={"description": "预览中填写的表单数据"})


class FormTried(Schema):
    valid = fields.Boolean()
    data = fields.Dict(metadata={"description": "服务器校验后的数据（隐藏或未填的字段为空值）"})


@blp.route("/<int(max=2147483647):draft_id>/forms/<string:form_key>/try")
class DraftFormTry(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(FormTry)
    @blp.returns(200, FormTried)
    @blp.errors(403, 404)
    def post(self, args, draft_id, form_key):
        """Check what was filled in a form's preview as the server checks a task's answer (422 names each field)."""
        return {"valid": True, "data": drafts.try_form(db_session(), principal(), draft_id, form_key, args["data"])}


class PreviewData(Schema):
    options = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()),
                          metadata={"description": "选项变量 → 选项列表 [{label, value}]"})


@blp.route("/<int(max=2147483647):draft_id>/preview-data")
class DraftPreviewData(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.returns(200, PreviewData)
    @blp.errors(403, 404)
    def get(self, draft_id):
        """The option lists a form preview offers: sample materials and those the draft's scripts build."""
        return {"options": drafts.preview_data(db_session(), principal(), draft_id)}
