"""The applicant's pages (art. 13): sign in with phone and code, apply online from a guide,
follow cases, answer correction notices, download their files. Signed-cookie session, CSRF on
every form; everything goes through the same services as the applicant API."""
from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from app.applicants import identity, online, signin
from app.documents import service as documents
from app.errors import DomainError, ValidationFailed
from app.evaluation import service as evaluation
from app.http.files import document_response, file_response
from app.http.forms import delivery_of, start_form_data
from app.http.requests import allow_application_body, file_store, form_int, safe_next, uploads
from app.http.runtime import db_session, runtime, settings
from app.web.pages import TEMPLATES, guard

bp = Blueprint("my", __name__, template_folder=TEMPLATES)


def _before_csrf():
    # An application carries all its files: raise the body limit before the form is parsed.
    if request.endpoint in ("my.apply", "my.supplement"):
        allow_application_body()


guard(bp, template="my/message.html", before=_before_csrf)


@bp.before_request
def load_account():
    g.account = None
    ident = session.get("applicant")
    if ident:
        g.account = signin.account_of_session(db_session(), ident)


def signed_in():
    if g.account is None:
        return redirect(url_for("my.login", next=request.full_path))
    return None


@bp.get("/my/login")
def login():
    return render_template("my/login.html", phone=request.args.get("phone", ""), sent=bool(request.args.get("sent")),
                           next=request.args.get("next", ""), errors={})


@bp.post("/my/login/code")
def send_code():
    phone = request.form.get("phone", "").strip()
    try:
        signin.send_code(db_session(), phone, request.remote_addr or "unknown", settings().secret,
                         runtime().sign_in_sms)
    except DomainError as exc:
        return render_template("my/login.html", phone=phone, sent=False, next=request.form.get("next", ""),
                               errors=exc.errors or {"phone": [exc.message]}), 422 if exc.errors else 429
    return redirect(url_for("my.login", phone=phone, sent=1, next=request.form.get("next", "")))


@bp.post("/my/login")
def sign_in():
    phone, code = request.form.get("phone", "").strip(), request.form.get("code", "").strip()
    try:
        account, key = signin.sign_in(db_session(), phone, code, settings().secret, "page")  # a wrong try counts
    except ValidationFailed as exc:
        return render_template("my/login.html", phone=phone, sent=True, next=request.form.get("next", ""),
                               errors=exc.errors), 422
    session.clear()
    session["applicant"] = signin.cookie_of(account, key)
    return redirect(safe_next(request.form.get("next"), url_for("my.home")))


@bp.post("/my/logout")
def logout():
    """Sign out: this session ends on the server too (a copied cookie no longer opens /my);
    `everywhere` ends every session of the account, on every device."""
    ident = session.pop("applicant", None) or {}
    if request.form.get("everywhere") == "1" and g.account is not None:
        signin.sign_out_everywhere(db_session(), g.account)
    else:
        signin.sign_out(db_session(), ident.get("s"))
    return redirect(url_for("guides.catalogue"))


@bp.get("/my")
def home():
    if (gate := signed_in()) is not None:
        return gate
    return _home()


def _present(case, detail: bool = False) -> dict:
    return online.present(db_session(), case, settings().warnings, detail=detail)


def _home(errors=None, status=200):
    cases = [_present(c) for c in online.my_cases(db_session(), g.account)]
    back = safe_next(request.values.get("next"), "")  # where registering should return to
    return render_template("my/home.html", profile=online.profile_of(g.account), cases=cases,
                           errors=errors or {}, next=back), status


@bp.post("/my/profile")
def profile():
    if (gate := signed_in()) is not None:
        return gate
    try:
        identity.set_person(db_session(), g.account, request.form.get("name", ""), request.form.get("id_number", ""))
    except DomainError as exc:
        return _home(exc.errors or {"id_number": [exc.message]}, 422)
    flash("身份信息已登记")
    return redirect(safe_next(request.form.get("next"), url_for("my.home")))


@bp.post("/my/companies")
def companies():
    if (gate := signed_in()) is not None:
        return gate
    try:
        identity.add_company(db_session(), g.account, request.form.get("company_name", ""), request.form.get("uscc", ""))
    except DomainError as exc:
        errors = {("uscc" if k.endswith("id_number") else k): v for k, v in (exc.errors or {"uscc": [exc.message]}).items()}
        return _home(errors, 422)
    flash("企业已登记，可以企业名义申请")
    return redirect(url_for("my.home"))


@bp.route("/guides/<string:code>/apply", methods=["GET", "POST"])
def apply(code: str):
    if (gate := signed_in()) is not None:
        return gate
    acting_for = request.values.get("acting_for") or None
    if g.account.person is None:
        flash("请先登记本人姓名和身份证号，登记后回到申请页")
        return redirect(url_for("my.home", next=request.full_path.rstrip("?")))
    form = online.application_form(db_session(), g.account, code, acting_for)
    if request.method == "GET":
        return render_template("my/apply.html", form=form, errors={}, values={})
    application = online.Application(
        item_code=code, hall=request.form.get("hall") or None, acting_for=acting_for,
        data=start_form_data(form["fields"], request.form), on_file=request.form.getlist("on_file"),
        uploads={}, delivery=delivery_of(request.form), duplicate_confirmed=bool(request.form.get("confirm_duplicate")))
    try:
        application.uploads = uploads()
        case = online.submit(db_session(), g.account, application, runtime())
    except DomainError as exc:
        several = {k: request.form.getlist(k) for k in request.form if k.startswith("data.")
                   and len(request.form.getlist(k)) > 1}  # a checklist's ticks, kept whole
        return render_template("my/apply.html", form=form, errors=exc.errors or {"": [exc.message]},
                               message=exc.message, values={**request.form.to_dict(), **several}), 422
    flash(f"申请已提交，办件编号 {case.case_no}")
    return redirect(url_for("my.case", case_id=case.id))


@bp.get("/my/cases/<int:case_id>")
def case(case_id: int):
    if (gate := signed_in()) is not None:
        return gate
    view = _present(online.own_case(db_session(), g.account, case_id), detail=True)
    return render_template("my/case.html", case=view, errors={})


@bp.post("/my/cases/<int:case_id>/supplement")
def supplement(case_id: int):
    if (gate := signed_in()) is not None:
        return gate
    try:
        online.supplement(db_session(), g.account, case_id, uploads(), request.form.get("note") or None, runtime())
    except DomainError as exc:
        view = _present(online.own_case(db_session(), g.account, case_id), detail=True)
        return render_template("my/case.html", case=view, errors=exc.errors or {"": [exc.message]},
                               message=exc.message), 422
    flash("补正材料已提交，窗口将重新审查")
    return redirect(url_for("my.case", case_id=case_id))


@bp.get("/my/cases/<int:case_id>/materials/<int:material_id>")
def material(case_id: int, material_id: int):
    if (gate := signed_in()) is not None:
        return gate
    row, content = online.download(db_session(), g.account, case_id, material_id, file_store())
    return file_response(row, content)


@bp.get("/my/cases/<int(max=2147483647):case_id>/documents/<int(max=2147483647):document_id>")
def document(case_id: int, document_id: int):
    if (gate := signed_in()) is not None:
        return gate
    case = online.own_case(db_session(), g.account, case_id)
    return document_response(documents.of_case_by_id(db_session(), case.id, document_id), file_store())


@bp.post("/my/cases/<int(max=2147483647):case_id>/evaluation")
def rate(case_id: int):
    """好差评 from the applicant's case page (once per case, after it is finished)."""
    if (gate := signed_in()) is not None:
        return gate
    case = online.own_case(db_session(), g.account, case_id)
    level = request.form.get("level") or ""
    evaluation.rate(db_session(), case, form_int(level), "web", request.form.get("comment"), settings())
    flash("感谢您的评价" + ("，我们将在 5 个工作日内核实整改并告知结果" if level in ("1", "2") else ""))
    return redirect(url_for("my.case", case_id=case_id))
