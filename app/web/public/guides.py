"""Public guide pages (art. 8): the catalogue, one guide, its QR code and its files. No login;
rendered from the same record as the JSON API (app.catalog.public)."""
import io
from math import ceil

import segno
from flask import Blueprint, Response, render_template, request

from app.catalog import public
from app.catalog import service as catalog
from app.catalog.models import ITEM_TYPES
from app.http.files import stored_file_response
from app.http.requests import base_url, file_store, int_arg
from app.http.runtime import db_session, runtime
from app.web.pages import STATIC, TEMPLATES, public_errors

bp = Blueprint("guides", __name__, url_prefix="/guides", template_folder=TEMPLATES,
               static_folder=STATIC, static_url_path="/static")
PER_PAGE = 50


public_errors(bp)


@bp.get("")
def catalogue():
    args = {k: (request.args.get(k) or "").strip()[:100] or None for k in ("q", "item_type", "implementing_body", "hall")}
    if args["item_type"] not in ITEM_TYPES:
        args["item_type"] = None
    page = int_arg("page", 1, hi=99999)
    rows, total = catalog.search_published(db_session(), **args, page=page, per_page=PER_PAGE)
    items = [public.summary(v, base_url()) for v in rows]
    return render_template("guides/catalogue.html", items=items, total=total, page=page,
                           pages=max(1, ceil(total / PER_PAGE)), args=args,
                           filters={k: v for k, v in args.items() if v}, item_types=ITEM_TYPES,
                           departments=catalog.departments(db_session()))


@bp.get("/<string:code>")
def guide(code: str):
    view = public.public_record(db_session(), catalog.published_guide(db_session(), code), base_url(),
                                runtime().public_extras)
    return render_template("guides/guide.html", g=view)


@bp.get("/<string:code>/qr.png")
def qr(code: str):
    view = public.public_view(catalog.published_guide(db_session(), code), base_url())
    out = io.BytesIO()
    segno.make(view["guide_url"], error="m").save(out, kind="png", scale=8, border=4)
    return Response(out.getvalue(), mimetype="image/png", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/files/<string:sha256>")
def guide_file(sha256: str):
    """Blank forms and samples of published guides only: other stored files (applicants'
    materials) are never reachable here."""
    row = catalog.public_file(db_session(), sha256)
    return stored_file_response(row, file_store(), "public, max-age=86400, immutable")
