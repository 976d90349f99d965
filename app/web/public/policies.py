"""The public list and pages of published policies (art. 30, /policies), with their
interpretation and links to the guides they affect."""
from flask import Blueprint, render_template

from app.http.files import stored_file_response
from app.http.requests import base_url, file_store
from app.http.runtime import db_session
from app.policies import service as policies
from app.web.pages import TEMPLATES, public_errors

bp = Blueprint("policy_pages", __name__, url_prefix="/policies", template_folder=TEMPLATES)


public_errors(bp)


@bp.get("")
def listing():
    rows = [policies.public_record(p, base_url()) for p in policies.published(db_session())]
    return render_template("guides/policies.html", rows=rows)


@bp.get("/<int(max=2147483647):policy_id>")
def show(policy_id: int):
    row = policies.published_one(db_session(), policy_id)
    return render_template("guides/policy.html", p=policies.public_record(row, base_url()))


@bp.get("/<int(max=2147483647):policy_id>/graphic")
def public_graphic(policy_id: int):
    row = policies.published_one(db_session(), policy_id)
    return stored_file_response(policies.graphic_of(db_session(), row), file_store(), "private, max-age=300")
