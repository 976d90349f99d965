"""The applicant's own API: sign in by phone, identity, apply online, follow and supplement
cases, download their own files. Staff tokens do not work here and applicant tokens work
nowhere else."""

from flask import g, request
from flask.views import MethodView
from marshmallow import fields

from app.api.applicant_outputs import (
    ApplicationFormOut,
    OwnCaseDetail,
    OwnCaseList,
    OwnRatingOut,
    Profile,
    Sent,
    SessionOut,
)
from app.api.docs import MEDIA_TYPES, UPLOAD, Blueprint
from app.api.schemas import StrictSchema, text
from app.applicants import identity, online, signin
from app.applicants.models import ApplicantAccount
from app.documents import service as documents
from app.errors import NotAuthenticated, ValidationFailed
from app.evaluation import service as evaluation
from app.http.files import document_response, file_response
from app.http.requests import allow_application_body, file_store, load_json, uploads
from app.http.runtime import db_session, runtime, settings

blp = Blueprint("applicant", __name__, url_prefix="/api/v1/applicant", description="申请人（网上办事）")


def account() -> ApplicantAccount:
    current = g.get("account")
    if current is None:
        raise NotAuthenticated("请先登录（手机号 + 验证码）")
    return current


def _present(case, detail: bool = False) -> dict:
    return online.present(db_session(), case, settings().warnings, detail=detail)


def client_address() -> str:
    # Behind a proxy, PROXY_FIX_HOPS makes remote_addr the client's (app/factory.py).
    return request.remote_addr or "unknown"


class PhoneIn(StrictSchema):
    phone = text(11, required=True)


class SessionIn(StrictSchema):
    phone = text(11, required=True)
    code = text(6, required=True)


class PersonIn(StrictSchema):
    name = text(100, required=True)
    id_number = text(18, required=True)


class ActingFor(StrictSchema):
    acting_for = text(18, metadata={"description": "代办的企业：已登记的统一社会信用代码"})


class CompanyIn(StrictSchema):
    name = text(200, required=True)
    uscc = text(18, required=True)


@blp.route("/codes")
class Codes(MethodView):
    @blp.doc(security=[])
    @blp.arguments(PhoneIn)
    @blp.returns(202, Sent)
    @blp.errors(429)
    def post(self, args):
        """Send a 6-digit sign-in code to a mobile phone (valid 5 minutes; rate-limited)."""
        rules = signin.SignInRules()
        signin.send_code(db_session(), args["phone"], client_address(), settings().secret, runtime().sign_in_sms, rules)
        return {"sent": True, "expires_in": int(rules.code_ttl.total_seconds()),
                "resend_after": int(rules.resend_after.total_seconds())}, 202


@blp.route("/session")
class Session(MethodView):
    @blp.doc(security=[])
    @blp.arguments(SessionIn)
    @blp.returns(200, SessionOut)
    @blp.errors(401, 429)
    def post(self, args):
        """Sign in with the code: returns a bearer token for the applicant API."""
        found, key = signin.sign_in(db_session(), args["phone"], args["code"], settings().secret, "api")
        return {"token": signin.issue_token(found, key, settings().secret), "token_type": "Bearer",
                "expires_in": settings().token_max_age, "account": online.profile_of(found)}


class SignOutIn(StrictSchema):
    everywhere = fields.Boolean(load_default=False, metadata={"description": "true：退出本账号在所有设备上的登录"})


@blp.route("/sign-out")
class SignOut(MethodView):
    @blp.arguments(SignOutIn)
    @blp.response(204)
    def post(self, args):
        """Sign out: this token stops working at once (everywhere: every session of the account)."""
        if args["everywhere"]:
            signin.sign_out_everywhere(db_session(), account())
        else:
            signin.sign_out(db_session(), g.get("applicant_session"))


@blp.route("/me")
class Me(MethodView):
    @blp.returns(200, Profile)
    def get(self):
        """The signed-in applicant: phone, person, companies on file."""
        return online.profile_of(account())

    @blp.arguments(PersonIn)
    @blp.returns(200, Profile)
    @blp.errors(409)
    def put(self, args):
        """Register who this phone belongs to (name and ID card number, GB 11643 checked)."""
        identity.set_person(db_session(), account(), args["name"], args["id_number"])
        return online.profile_of(account())


@blp.route("/me/companies")
class Companies(MethodView):
    @blp.arguments(CompanyIn)
    @blp.returns(201, Profile)
    @blp.errors(409)
    def post(self, args):
        """Put a company on file (USCC, GB 32100 checked) to apply on its behalf."""
        identity.add_company(db_session(), account(), args["name"], args["uscc"])
        return online.profile_of(account()), 201


@blp.route("/apply/<string:item_code>")
class ApplyForm(MethodView):
    @blp.arguments(ActingFor, location="query")
    @blp.returns(200, ApplicationFormOut)
    @blp.errors(403, 404)
    def get(self, args, item_code):
        """The online application form of a published guide, with materials already on file."""
        return online.application_form(db_session(), account(), item_code, args.get("acting_for"))


JSON_FIELDS = {"data": "申请表数据", "delivery": "送达方式"}


def _json_field(name: str) -> dict:
    raw = request.form.get(name) or "{}"
    try:
        value = load_json(raw, name)
    except ValueError:
        raise ValidationFailed(f"{JSON_FIELDS[name]}不是有效的 JSON", {name: ["必须是 JSON 对象"]}) from None
    if not isinstance(value, dict):
        raise ValidationFailed(f"{JSON_FIELDS[name]}必须是对象", {name: ["必须是 JSON 对象"]})
    return value


def _data_field() -> dict:
    return _json_field("data")


@blp.route("/cases")
class Cases(MethodView):
    @blp.returns(200, OwnCaseList)
    def get(self):
        """My cases, newest first: status, current step, deadline, notices to answer."""
        return {"items": [_present(c) for c in online.my_cases(db_session(), account())]}

    @blp.multipart(["item_code"], item_code={"type": "string"}, hall={"type": "string"},
                   acting_for={"type": "string", "description": "代办的企业：已登记的统一社会信用代码"},
                   data={"type": "string", "description": "申请表数据（JSON 对象）"},
                   on_file={"type": "string", "description": "复用已提交材料的编码，逗号分隔"},
                   delivery={"type": "string", "description": "送达方式（JSON 对象：method，邮寄时 address）"},
                   confirm_duplicate={"type": "boolean", "description": "已有同一事项在办件时，确认不是重复申请"},
                   **{"files.SQS": UPLOAD})
    @blp.returns(201, OwnCaseDetail)
    @blp.errors(403, 404, 409, 507)
    def post(self):
        """Apply online (multipart): item_code, hall, acting_for (an id number on file), data (JSON of
        the start form), on_file (material codes to reuse), files.<material code> (PDF/JPEG/PNG)."""
        allow_application_body()
        files = uploads()
        if not request.form.get("item_code"):
            raise ValidationFailed("请选择事项", {"item_code": ["必填项"]})
        application = online.Application(
            item_code=request.form["item_code"], hall=request.form.get("hall") or None,
            acting_for=request.form.get("acting_for") or None, data=_data_field(),
            on_file=[c for v in request.form.getlist("on_file") for c in v.split(",") if c],
            uploads=files, delivery=_json_field("delivery") or None,
            duplicate_confirmed=request.form.get("confirm_duplicate", "").lower() in ("1", "true", "on", "yes"))
        case = online.submit(db_session(), account(), application, runtime())
        return _present(case, detail=True), 201


@blp.route("/cases/<int(max=2147483647):case_id>")
class OwnCase(MethodView):
    @blp.returns(200, OwnCaseDetail)
    @blp.errors(404)
    def get(self, case_id):
        """One of my cases: materials and where they came from, and the history as told to me."""
        return _present(online.own_case(db_session(), account(), case_id), detail=True)


@blp.route("/cases/<int(max=2147483647):case_id>/supplements")
class OwnSupplement(MethodView):
    @blp.multipart([], note={"type": "string"}, **{"files.SQS": UPLOAD})
    @blp.returns(200, OwnCaseDetail)
    @blp.errors(404, 409, 507)
    def post(self, case_id):
        """Answer a correction or tolerance notice: files.<material code> for each listed material."""
        allow_application_body()
        files = uploads()
        case = online.supplement(db_session(), account(), case_id, files, request.form.get("note"), runtime())
        return _present(case, detail=True)


@blp.route("/cases/<int(max=2147483647):case_id>/materials/<int(max=2147483647):material_id>")
class OwnFile(MethodView):
    @blp.file("材料文件（下载）", *MEDIA_TYPES)
    @blp.errors(404)
    def get(self, case_id, material_id):
        """Download one of my case's files (recorded in the case history)."""
        row, content = online.download(db_session(), account(), case_id, material_id, file_store())
        return file_response(row, content)



@blp.route("/cases/<int(max=2147483647):case_id>/documents/<int(max=2147483647):document_id>")
class OwnDocument(MethodView):
    @blp.file("签章的 PDF 文书", "application/pdf")
    @blp.errors(404)
    def get(self, case_id, document_id):
        """A document of one of my cases (receipt, notice, decision) as its signed PDF."""
        case = online.own_case(db_session(), account(), case_id)
        return document_response(documents.of_case_by_id(db_session(), case.id, document_id), file_store())


class RatingIn(StrictSchema):
    level = fields.Integer(required=True, metadata={"description": "5 非常满意 … 1 非常不满意"})
    comment = text(500, multiline=True, load_default=None, allow_none=True)


@blp.route("/cases/<int(max=2147483647):case_id>/evaluation")
class OwnEvaluation(MethodView):
    @blp.arguments(RatingIn)
    @blp.returns(201, OwnRatingOut)
    @blp.errors(404, 409)
    def post(self, args, case_id):
        """好差评: rate a finished case online (once per case)."""
        case = online.own_case(db_session(), account(), case_id)
        row = evaluation.rate(db_session(), case, args["level"], "web", args.get("comment"), settings())
        return {"level": row.level, "channel": row.channel, "rectification": row.level in (1, 2)}, 201
