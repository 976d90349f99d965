"""Process versions: deploy (designer, admin), list, read the BPMN back."""

from flask import Response
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import INCLUDE, Schema, fields

from app.api.docs import Blueprint
from app.api.schemas import ErrorSchema, Problem, StrictSchema
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.cases import running
from app.errors import NotFound
from app.http.present import present_processes, present_version
from app.http.runtime import db_session, settings
from app.processes import service as processes

blp = Blueprint("processes", __name__, url_prefix="/api/v1/processes", description="流程定义与版本")


class DeployForm(StrictSchema):
    file = Upload(required=True, metadata={"description": "BPMN 2.0 文件（.bpmn）"})
    forms = fields.List(Upload(), load_default=list, metadata={"description": "表单文件（<formKey>.form），可多个"})


class UserTask(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    due_expression = fields.String(allow_none=True)
    documentation = fields.String(allow_none=True)
    applicant_contact = fields.String(allow_none=True)


class VersionSummary(Schema):
    key = fields.String()
    version = fields.Integer()
    name = fields.String(allow_none=True)
    sha256 = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String(allow_none=True)
    running_cases = fields.Integer()
    forms = fields.List(fields.String())


class Version(VersionSummary):
    user_tasks = fields.Dict(keys=fields.String(), values=fields.Nested(UserTask),
                             metadata={"description": "用户任务 id → 其角色、表单、期限"})


class FormJs(Schema):
    """A form-js form as deployed: its own JSON (https://bpmn.io/toolkit/form-js), of which the
    platform reads `components`; every other key is form-js's."""

    class Meta:
        unknown = INCLUDE

    components = fields.List(fields.Dict())


class ValidationOut(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(Problem), metadata={"description": "每个问题 {element_id, rule, message}"})
    key = fields.String(allow_none=True, metadata={"description": "流程 id（能读出时）"})


class Process(Schema):
    key = fields.String()
    name = fields.String(allow_none=True)
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(VersionSummary))


@blp.route("")
class Processes(MethodView):
    @blp.response(200, Process(many=True))
    def get(self):
        """Every process key with its versions and the number of running cases on each."""
        return present_processes(db_session(), processes.list_versions(db_session()))

    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(DeployForm, location="files")
    @blp.response(201, Version)
    @blp.alt_response(200, schema=Version, description="内容相同，返回已有版本")
    @blp.alt_response(422, schema=ErrorSchema, description="校验未通过：problems 列出每个问题 {element_id, rule, message}")
    @blp.errors(403, 409)
    def post(self, form):
        """Deploy a BPMN file (and its forms) as a new version of its process."""
        limits = processes.DeployLimits.of(settings())
        bpmn, uploads = _read(form, limits)
        return deployed(*processes.deploy(db_session(), bpmn, uploads, principal().user_id, limits))


def deployed(definition, created: bool):
    """The answer to a deployment: the version with its running cases, 201 when it is new."""
    count = running.counts_by_definition(db_session(), [definition.id]).get(definition.id, 0)
    return present_version(definition, count), (201 if created else 200)


@blp.route("/validate")
class Validate(MethodView):
    @require_roles(R.DESIGNER, R.ADMIN)
    @blp.arguments(DeployForm, location="files")
    @blp.returns(200, ValidationOut)
    @blp.errors(403)
    def post(self, form):
        """Check a BPMN file as a deployment would, without deploying: {valid, problems}."""
        limits = processes.DeployLimits.of(settings())
        bpmn, uploads = _read(form, limits)
        inspection, _, problems = processes.check(bpmn, uploads, limits)
        return {"valid": not problems, "problems": problems,
                "key": inspection.process.key if inspection.process else None}


def _read(form: dict, limits: processes.DeployLimits) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The uploaded BPMN and forms, each read one byte past its limit (so an oversize one is told)."""
    return (form["file"].read(limits.max_bpmn_bytes + 1),
            [(f.filename, f.read(limits.max_form_bytes + 1)) for f in form["forms"]])


@blp.route("/<string:key>")
class ProcessVersions(MethodView):
    @blp.response(200, Process)
    @blp.errors(404)
    def get(self, key):
        """One process and its versions."""
        found = present_processes(db_session(), processes.list_versions(db_session(), key))
        if not found:
            raise NotFound(f"流程 {key} 不存在")
        return found[0]


@blp.route("/<string:key>/versions/<int(max=2147483647):version>")
class ProcessVersion(MethodView):
    @blp.response(200, Version)
    @blp.errors(404)
    def get(self, key, version):
        """One version: its user tasks (role, form, due date) and forms."""
        definition = processes.get_version(db_session(), key, version)
        return present_version(definition, running.counts_by_definition(db_session(), [definition.id]).get(definition.id, 0))


@blp.route("/<string:key>/versions/<int(max=2147483647):version>/xml")
class ProcessXml(MethodView):
    @blp.file("部署时的 BPMN 文件（下载）", "application/xml")
    @blp.errors(404)
    def get(self, key, version):
        """The BPMN file exactly as it was deployed."""
        definition = processes.get_version(db_session(), key, version)
        # Designer-supplied XML may carry any extension content: serve it as a file, never as a page.
        return Response(bytes(definition.bpmn_xml), mimetype="application/xml", headers={
            "Content-Disposition": f'attachment; filename="{key}.v{version}.bpmn"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        })


@blp.route("/<string:key>/versions/<int(max=2147483647):version>/forms/<string:form_key>")
class ProcessForm(MethodView):
    @blp.returns(200, FormJs)
    @blp.errors(404)
    def get(self, key, version, form_key):
        """A form of a version (form-js JSON)."""
        definition = processes.get_version(db_session(), key, version)
        if form_key not in (definition.forms or {}):
            raise NotFound(f"版本 {key} v{version} 没有表单 {form_key}")
        return definition.forms[form_key]
