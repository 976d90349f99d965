"""收件登记 (/intake): a visitor received at the window without an appointment. First the hall,
the item and the applicant's ID number; then the applicant, 代办, the materials checklist with
a scan per material, and the application's own fields. Receiving opens the case's first task."""
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth import roles as R
from app.cases import walk_in
from app.cases.service import open_tasks
from app.errors import DomainError, PermissionDenied
from app.files import service as files
from app.http.forms import delivery_of, start_form_data
from app.http.requests import allow_application_body, uploads
from app.http.runtime import db_session, runtime, settings
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("intake_pages", __name__, template_folder=TEMPLATES)


def _before_csrf():
    # A walk-in carries the scans of all its materials: raise the body limit before parsing.
    if request.endpoint == "intake_pages.receive":
        allow_application_body()


guard(bp, before=_before_csrf)


def _choice(halls) -> tuple[str, str, str]:
    values = request.values
    hall = (values.get("hall") or (halls[0].code if len(halls) == 1 else "")).strip()[:32]
    item = (values.get("item") or "").strip()
    item = item.split(" ", 1)[0][:64]  # the list shows "code name"; the code is what counts
    return hall, item, (values.get("id_number") or "").strip()[:32]


def _id_type() -> str | None:
    """The clerk's word on the kind of number (blank: an ID card if it is shaped like one)."""
    chosen = request.values.get("id_type")
    return chosen if chosen in walk_in.ID_TYPES else None


def _status(exc: DomainError) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 409 if isinstance(exc, walk_in.DuplicateApplication) else 422


def _render(halls, hall: str, item: str, id_number: str, *, form=None, errors=None, message=None,
            values=None, status=200):
    chosen = next((h for h in halls if h.code == hall), None)
    items = walk_in.offered_items(db_session(), chosen) if chosen else []
    return render_template("staff/intake.html", halls=halls, hall=hall, item=item, id_number=id_number,
                           id_type=_id_type(), id_types=walk_in.ID_TYPES, items=items, form=form,
                           errors=errors or {}, message=message,
                           values=values if values is not None else {}), status


SCAN_MAX_AGE = 3600  # a refused intake's scans wait an hour for the corrected form


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="onewindow.intake-scan")


def _keep(scans: dict) -> dict:
    """Scans of a refused intake, staged so the form shown again carries them: per material, a
    signed reference (the clerk cannot point it at another file) and the file's name."""
    kept = {}
    for code, scan in (scans or {}).items():
        try:
            sha256 = files.stage(settings().store, scan.content, scan.filename, field=f"materials.{code}")
        except DomainError:  # a file the store refuses is named again by the next submission
            continue
        kept[code] = {"token": _signer().dumps({"code": code, "sha256": sha256, "name": scan.filename}),
                      "name": scan.filename}
    return kept


def _scans_kept(fields) -> dict:
    """The scans a form shown again carries (`kept.<code>`), for materials not scanned anew."""
    out = {}
    for key in fields:
        if not key.startswith("kept."):
            continue
        code = key[len("kept."):]
        try:
            ref = _signer().loads(fields.get(key) or "", max_age=SCAN_MAX_AGE)
        except BadSignature:
            continue
        content = files.staged(settings().store, ref.get("sha256", "")) if ref.get("code") == code else None
        if content is not None:
            out[code] = walk_in.Scan(ref.get("name"), content)
    return out


def _kept(fields) -> dict:
    """What the clerk entered, to show again with the errors (the ticks as lists)."""
    several = {k: fields.getlist(k) for k in fields if k.startswith("data.") and len(fields.getlist(k)) > 1}
    return {**fields.to_dict(), "handed_in": fields.getlist("handed_in"), "on_file": fields.getlist("on_file"), **several}


@bp.get("/intake")
@page(*R.INTAKE_ROLES)
def intake():
    halls = walk_in.intake_halls(db_session(), g.principal)
    hall, item, id_number = _choice(halls)
    if not halls:
        return render_template("staff/message.html", title="收件登记", message="您没有可收件的大厅。"), 403
    if not (hall and item):
        return _render(halls, hall, item, id_number)
    chosen = next((h for h in halls if h.code == hall), None)
    if chosen is not None:  # typed a name (or part of it) instead of picking from the list
        offered = walk_in.offered_items(db_session(), chosen)
        typed = (request.values.get("item") or "").strip()
        if item not in {code for code, _ in offered}:
            matches = [code for code, name in offered if typed and typed in name]
            if len(matches) == 1:
                item = matches[0]
            elif matches:
                return _render(halls, hall, typed, id_number, status=422, errors={"item_code": [
                    f"有 {len(matches)} 个事项名称包含“{typed}”，请从列表中选择一个"]},
                    message="请从列表中选择办理事项")
    try:
        form = walk_in.form(db_session(), g.principal, hall, item, id_number, _id_type())
    except DomainError as exc:  # an unknown item or a hall that does not handle it: choose again
        return _render(halls, hall, item, id_number, errors=exc.errors, message=exc.message, status=_status(exc))
    values = {"applicant.name": (form["applicant"] or {}).get("name") or "",
              "applicant.phone": (form["applicant"] or {}).get("phone") or "",
              "on_file": [m["code"] for m in form["materials"] if m["on_file"]]}
    if form["hall"]["proxy_station"]:
        values.update({"proxy": "on", "proxy.relation": "community_worker", "proxy.name": g.principal.display_name})
    return _render(halls, hall, item, id_number, form=form, values=values)


@bp.post("/intake")
@page(*R.INTAKE_ROLES)
def receive():
    halls = walk_in.intake_halls(db_session(), g.principal)
    hall, item, id_number = _choice(halls)
    fields = request.form
    try:
        form = walk_in.form(db_session(), g.principal, hall, item, id_number, _id_type())
    except DomainError as exc:
        return _render(halls, hall, item, id_number, errors=exc.errors, message=exc.message, status=_status(exc))
    proxy = ({"name": fields.get("proxy.name"), "id_number": fields.get("proxy.id_number"),
              "relation": fields.get("proxy.relation")} if fields.get("proxy") else None)
    application = walk_in.WalkIn(
        hall=hall, item_code=item, proxy=proxy,
        applicant={"name": fields.get("applicant.name"), "id_number": id_number, "id_type": _id_type(),
                   "phone": fields.get("applicant.phone")},
        data=start_form_data(form["fields"], fields),
        handed_in=fields.getlist("handed_in"), on_file=fields.getlist("on_file"),
        duplicate_confirmed=bool(fields.get("confirm_duplicate")), delivery=delivery_of(fields))
    try:
        application.scans = {**_scans_kept(fields), **{code: walk_in.Scan(u.filename, u.content)
                                                       for code, u in uploads("materials.").items()}}
        case = walk_in.receive(db_session(), g.principal, application, runtime())
    except DomainError as exc:
        return _render(halls, hall, item, id_number, form=form, errors=exc.errors or {"": [exc.message]},
                       message=exc.message, values={**_kept(fields), "kept": _keep(application.scans)},
                       status=_status(exc))
    first = next((t for t in open_tasks(db_session(), case.id) if g.principal.can_work(t.role, t.hall_id)), None)
    flash(f"已收件，办件编号 {case.case_no}（{case.applicant_name}，{case.item.name}）")
    if first is not None:
        return redirect(url_for("inbox.task_page", task_id=first.id))
    return redirect(url_for("cases_pages.dossier", case_id=case.id))
