"""Designers' pages: the modeler (/modeler) and the versions of every process with the cases
still running on each (/processes)."""
from flask import Blueprint, render_template, request

from app.auth import roles as R
from app.http.present import present_processes
from app.http.requests import int_arg
from app.http.runtime import db_session
from app.processes import service as processes
from app.web.pages import TEMPLATES, guard
from app.web.staff.signin import page

bp = Blueprint("process_pages", __name__, template_folder=TEMPLATES)
guard(bp)


@bp.get("/processes")
@page(R.DESIGNER, R.ADMIN)
def versions():
    listing = present_processes(db_session(), processes.list_versions(db_session()))
    return render_template("staff/processes.html", processes=listing)


@bp.get("/modeler")
@page(R.DESIGNER, R.ADMIN)
def modeler():
    listing = present_processes(db_session(), processes.list_versions(db_session()))
    key = request.args.get("key") or (listing[0]["key"] if listing else "")
    chosen = next((p for p in listing if p["key"] == key), None)
    number = int_arg("version", chosen["latest_version"] if chosen else 0, lo=0)
    if chosen is None or number not in {v["version"] for v in chosen["versions"]}:
        key, number = "", 0
    version = str(number) if number else ""
    return render_template("staff/modeler.html", processes=listing, key=key, version=version)


