"""The catalogue: public reading of published guides; guide editing, linting and publishing for
administrators and designers; guide files; the retained-certificate catalogue."""
from flask import request
from flask.views import MethodView
from marshmallow import fields, validate

from app.api.catalog_outputs import (
    CertificateList,
    CertificateOut,
    DraftOut,
    FileOut,
    Findings,
    GuideDocument,
    ItemHallsOut,
    PublicRecord,
    SummaryPage,
    VersionDocument,
    VersionList,
    VersionOut,
)
from app.api.docs import UPLOAD, Blueprint
from app.api.schemas import PageArgs, StrictSchema, one_of, text
from app.api.security import principal, require_roles
from app.auth import roles as R
from app.catalog import certificates, editing, guides, public, transfer
from app.catalog import service as catalog
from app.catalog.document import GuideDoc, ItemDoc
from app.catalog.models import ITEM_TYPES, GuideVersion
from app.errors import ValidationFailed
from app.http.requests import base_url, file_store
from app.http.runtime import db_session, runtime

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/catalog", description="事项目录与办事指南")
EDITORS = (R.ADMIN, R.DESIGNER)


class CatalogQuery(PageArgs):
    q = text(100)
    item_type = fields.String(validate=one_of(list(ITEM_TYPES)))
    implementing_body = text(200)
    hall = text(32)


class HallsIn(StrictSchema):
    halls = fields.List(text(32), required=True)
    citywide = fields.Boolean(load_default=False)


class CertificateIn(StrictSchema):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=64),
                                                  validate.Regexp(r"^[0-9A-Za-z][0-9A-Za-z_.-]*$",
                                                                  error="只能包含字母、数字、点、横线、下划线")])
    name = text(200, required=True)
    issuing_body = text(200, load_default=None, allow_none=True)
    legal_basis = text(2000, multiline=True, load_default=None, allow_none=True)


class ExportQuery(StrictSchema):
    embed = fields.Boolean(load_default=False, metadata={"description": "内嵌空表、样表等文件（Base64），便于跨系统导入"})


def _version_out(version) -> dict:
    return {"item_code": version.item.code, "version": version.version, "status": version.status,
            "name": version.name, "effective_from": version.effective_from.isoformat() if version.effective_from else None,
            "effective_until": version.effective_until.isoformat() if version.effective_until else None,
            "change_summary": version.change_summary, "legal_change": version.legal_change,
            "created_by": version.created_by, "published_by": version.published_by,
            "published_at": version.published_at.isoformat() if version.published_at else None}


def _draft_out(version) -> dict:
    return {**_version_out(version), "findings": guides.lint_version(db_session(), version)}


@blp.route("/items")
class Items(MethodView):
    @blp.doc(security=[])
    @blp.arguments(CatalogQuery, location="query")
    @blp.returns(200, SummaryPage)
    def get(self, args):
        """Published items (public): search by name or code, filter by type, department and hall."""
        rows, total = catalog.search_published(db_session(), **args)
        return {"items": [public.summary(v, base_url()) for v in rows], "total": total,
                "page": args["page"], "per_page": args["per_page"]}

    @require_roles(*EDITORS)
    @blp.arguments(ItemDoc)
    @blp.returns(201, DraftOut)
    @blp.errors(403, 409, 507)
    def post(self, doc):
        """Create an item with its first guide draft (returned with its lint findings)."""
        version = editing.create_item(db_session(), doc, principal().username, file_store())
        return _draft_out(version), 201


@blp.route("/items/<string:code>")
class Item(MethodView):
    @blp.doc(security=[])
    @blp.returns(200, PublicRecord)
    @blp.errors(404)
    def get(self, code):
        """The published guide of one item (public); fields named as in the glossary."""
        return public.public_record(db_session(), catalog.published_guide(db_session(), code), base_url(),
                                    runtime().public_extras)


@blp.route("/items/<string:code>/halls")
class ItemHalls(MethodView):
    @require_roles(R.ADMIN)
    @blp.arguments(HallsIn)
    @blp.returns(200, ItemHallsOut)
    @blp.errors(403, 404)
    def put(self, args, code):
        """Set the halls that handle the item, and whether any hall may (同城通办)."""
        item = editing.set_halls(db_session(), code, args["halls"], args["citywide"])
        return {"item_code": code, "halls": [h.code for h in item.halls], "citywide": item.citywide}


@blp.route("/items/<string:code>/versions")
class Versions(MethodView):
    @require_roles(*EDITORS)
    @blp.returns(200, VersionList)
    @blp.errors(403, 404)
    def get(self, code):
        """Every version of the item's guide, newest first."""
        item = guides.item_by_code(db_session(), code)
        return {"item_code": code, "versions": [_version_out(v) for v in reversed(item.versions)]}

    @require_roles(*EDITORS)
    @blp.arguments(GuideDoc, required=False)
    @blp.returns(201, DraftOut)
    @blp.errors(403, 404, 409, 507)
    def post(self, content, code):
        """Start a new draft version: from the body, or (empty body) a copy of the latest version."""
        body = content if request.get_data() else None  # no body: copy the latest version
        version = editing.new_version(db_session(), code, body, principal().username, file_store())
        return _draft_out(version), 201


def _version(code: str, number: int) -> GuideVersion:
    return editing.version(db_session(), code, number)


@blp.route("/items/<string:code>/versions/<int(max=100000):number>")
class Version(MethodView):
    @require_roles(*EDITORS)
    @blp.returns(200, VersionDocument)
    @blp.errors(403, 404)
    def get(self, code, number):
        """One version as a guide document (drafts included)."""
        version = _version(code, number)
        return {**transfer.export_document(db_session(), version), "findings": guides.lint_version(db_session(), version)}

    @require_roles(*EDITORS)
    @blp.arguments(GuideDoc)
    @blp.returns(200, DraftOut)
    @blp.errors(403, 404, 409, 507)
    def put(self, content, code, number):
        """Replace a draft's content; published and superseded versions never change (409)."""
        version = editing.save_draft(db_session(), code, number, content, principal().username, file_store())
        return _draft_out(version)

    @require_roles(*EDITORS)
    @blp.response(204)
    @blp.errors(403, 404, 409)
    def delete(self, code, number):
        """Discard a draft."""
        editing.delete_draft(db_session(), code, number)


@blp.route("/items/<string:code>/versions/<int(max=100000):number>/lint")
class Lint(MethodView):
    @require_roles(*EDITORS)
    @blp.returns(200, Findings)
    @blp.errors(403, 404)
    def get(self, code, number):
        """The linter's findings for a version, without publishing (empty once published)."""
        return {"findings": guides.lint_version(db_session(), _version(code, number))}


@blp.route("/items/<string:code>/versions/<int(max=100000):number>/publish")
class Publish(MethodView):
    @require_roles(R.ADMIN)  # designers draft guides; administrators publish them
    @blp.returns(200, VersionOut)
    @blp.errors(403, 404, 409)
    def post(self, code, number):
        """Publish a draft (administrators): 422 with every finding if it breaks a rule; otherwise it
        becomes the guide every channel shows and the previous version is superseded."""
        version = editing.publish(db_session(), code, number, principal().username)
        return _version_out(version)


@blp.route("/items/<string:code>/versions/<int(max=100000):number>/export")
class Export(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(ExportQuery, location="query")
    @blp.returns(200, GuideDocument)
    @blp.errors(403, 404)
    def get(self, args, code, number):
        """The version as an import document (README: "Guide documents")."""
        version = _version(code, number)
        return transfer.export_document(db_session(), version, file_store() if args["embed"] else None)


@blp.route("/import")
class Import(MethodView):
    @require_roles(*EDITORS)
    @blp.arguments(ItemDoc)
    @blp.returns(201, DraftOut, description="新事项及其第一版草稿")
    @blp.returns(200, DraftOut, description="已有事项的下一版草稿")
    @blp.errors(403, 404, 409, 507)
    def post(self, doc):
        """Import a guide document: a new item with a first draft, or the item's next draft."""
        version, created = editing.import_document(db_session(), doc, principal().username, file_store())
        return _draft_out(version), 201 if created else 200


@blp.route("/files")
class Files(MethodView):
    @require_roles(*EDITORS)
    @blp.multipart(["file"], file=UPLOAD)
    @blp.returns(201, FileOut)
    @blp.errors(403, 507)
    def post(self):
        """Upload a blank form, a sample or a result sample (PDF, JPEG, PNG; multipart field `file`)."""
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("请上传文件", {"file": ["必填项（multipart 字段 file）"]})
        row = editing.upload_file(db_session(), file_store(), upload.read(file_store().max_bytes + 1), upload.filename,
                                  principal().username)
        return {"sha256": row.sha256, "filename": row.original_name, "media_type": row.media_type,
                "size": row.size, "url": public.file_url(base_url(), row.sha256)}, 201


def _certificate_out(row) -> dict:
    return {"code": row.code, "name": row.name, "issuing_body": row.issuing_body, "legal_basis": row.legal_basis}


@blp.route("/retained-certificates")
class Certificates(MethodView):
    @require_roles(*EDITORS)
    @blp.returns(200, CertificateList)
    @blp.errors(403)
    def get(self):
        """The retained-certificate catalogue (保留证明事项目录)."""
        return {"certificates": [_certificate_out(c) for c in certificates.list_all(db_session())]}

    @require_roles(R.ADMIN)
    @blp.arguments(CertificateIn)
    @blp.returns(201, CertificateOut)
    @blp.errors(403, 409)
    def post(self, args):
        """Add a certificate to the catalogue (administrators)."""
        row = editing.add_certificate(db_session(), **args)
        return _certificate_out(row), 201


@blp.route("/retained-certificates/<string:code>")
class Certificate(MethodView):
    @require_roles(R.ADMIN)
    @blp.response(204)
    @blp.errors(403, 404, 409)
    def delete(self, code):
        """Remove a certificate; refused (409) while a published guide relies on it."""
        editing.remove_certificate(db_session(), code)
