"""Catalogue authoring (/catalog/manage): the items with their guides, a new item, an item's
versions (effective dates, change summaries), the guide editor with the linter's findings beside
the fields, the halls offering an item. Designers draft; administrators publish and set halls."""
import json

from flask import Blueprint, g, render_template, request

from app.auth import roles as R
from app.auth.halls import all_halls
from app.catalog import editing, guides
from app.catalog import models as M
from app.http.forms import form_action
from app.http.requests import file_store
from app.http.runtime import db_session
from app.processes import service as processes
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("catalog_admin", __name__, url_prefix="/catalog/manage", template_folder=TEMPLATES)
guard(bp)
EDITORS = (R.DESIGNER, R.ADMIN)
STATUS_LABELS = {M.DRAFT: "草稿", M.PUBLISHED: "已发布", M.SUPERSEDED: "已被替代"}


def _processes() -> list[dict]:
    """Deployed processes an item may be handled by: the latest name of each key."""
    named: dict[str, str] = {}
    for definition in processes.list_versions(db_session()):
        named[definition.key] = definition.name or definition.key
    return [{"key": key, "name": name} for key, name in sorted(named.items())]


@bp.get("")
@page(*EDITORS)
def item_list():
    deployed = _processes()
    return render_template("staff/catalog.html", rows=editing.overview(db_session()), levels=M.LEVELS,
                           processes=deployed, process_names={p["key"]: p["name"] for p in deployed})


@bp.post("")
@page(*EDITORS)
def item_new():
    fields = {k: (request.form.get(k) or "").strip() for k in ("item_code", "base_code", "level", "name", "process_key",
                                                           "copy_from")}
    return form_action(lambda: editing.start_item(db_session(), fields, g.principal.username, file_store()),
                       done=f"已新建事项 {fields['item_code']}，请填写办事指南", back="catalog_admin.editor",
                       failed="未能新建事项", code=fields["item_code"], number=1)


@bp.get("/<string:code>")
@page(*EDITORS)
def item_page(code: str):
    item = guides.item_by_code(db_session(), code)
    versions = list(reversed(item.versions))
    draft = next((v for v in versions if v.status == M.DRAFT), None)
    findings = guides.lint_version(db_session(), draft) if draft else []
    # community stations only submit by proxy: they never handle an item (guides.set_halls)
    halls = [h for h in all_halls(db_session()) if h.level != "community"] if g.principal.has_role(R.ADMIN) else []
    return render_template("staff/catalog_item.html", item=item, versions=versions, draft=draft, findings=findings,
                           statuses=STATUS_LABELS, levels=M.LEVELS, halls=halls,
                           may_publish=g.principal.has_role(R.ADMIN))


@bp.post("/<string:code>/versions")
@page(*EDITORS)
def version_new(code: str):
    return form_action(lambda: editing.new_version(db_session(), code, None, g.principal.username, file_store()),
                       done="已新建版本草稿（复制自最新版本），请修改并写明变更", back="catalog_admin.editor",
                       failed="未能新建版本", code=code, number=len(guides.item_by_code(db_session(), code).versions) + 1)


@bp.post("/<string:code>/versions/<int(max=100000):number>/delete")
@page(*EDITORS)
def version_delete(code: str, number: int):
    return form_action(lambda: editing.delete_draft(db_session(), code, number), done=f"已删除第 {number} 版草稿",
                       back="catalog_admin.item_page", failed="未能删除草稿", code=code)


@bp.post("/<string:code>/versions/<int(max=100000):number>/publish")
@page(R.ADMIN)
def version_publish(code: str, number: int):
    return form_action(lambda: editing.publish(db_session(), code, number, g.principal.username),
                       done=f"已发布第 {number} 版办事指南", back="catalog_admin.item_page", failed="未能发布", code=code)


@bp.post("/<string:code>/halls")
@page(R.ADMIN)
def halls(code: str):
    chosen = [h for h in request.form.getlist("halls") if h]
    citywide = request.form.get("citywide") == "1"
    return form_action(lambda: editing.set_halls(db_session(), code, chosen, citywide), done="已保存办理大厅",
                       back="catalog_admin.item_page", failed="未能保存办理大厅", code=code)


@bp.get("/<string:code>/versions/<int(max=100000):number>")
@page(*EDITORS)
def editor(code: str, number: int):
    version = editing.version(db_session(), code, number)
    choices = {"item_type": M.ITEM_TYPES, "service_object": M.SERVICE_OBJECTS, "handling_channels": M.HANDLING_CHANNELS,
               "category": M.MATERIAL_CATEGORIES, "material_type": M.MATERIAL_TYPES, "medium": M.MEDIA,
               "requirement": M.REQUIREMENTS, "source": M.SOURCES, "kind": M.SPECIAL_PROCEDURE_KINDS}
    return render_template("staff/guide_editor.html", item=version.item, version=version, statuses=STATUS_LABELS,
                           choices=json.dumps(choices, ensure_ascii=False),
                           processes=json.dumps(_processes(), ensure_ascii=False),
                           may_publish=g.principal.has_role(R.ADMIN))
