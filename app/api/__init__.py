"""REST API under /api/v1 (flask-smorest), the OpenAPI document and its docs page; and the input
guard every request passes, pages included (app.http.requests)."""
import swagger_ui_bundle
from flask import send_from_directory

from app.api import (
    applicant,
    applicants,
    appointments,
    auth,
    calendar,
    cases,
    catalog,
    complaints,
    consultations,
    contacts,
    docs,
    drafts,
    errors,
    halls,
    health,
    incidents,
    policies,
    processes,
    security,
    statistics,
    tasks,
    testruns,
)


def register(app, api) -> None:
    docs.use_error_schema(api)
    for module in (auth, processes, drafts, testruns, catalog, halls, applicants, cases, tasks, calendar, incidents, applicant,
                   complaints, consultations, appointments, statistics):
        api.register_blueprint(module.blp)
    api.register_blueprint(appointments.applicant_blp)
    api.register_blueprint(policies.blp)
    api.register_blueprint(policies.public_blp)
    api.register_blueprint(contacts.blp)
    app.register_blueprint(health.blp)
    app.before_request(security.authenticate_request)
    errors.register(app)
    errors.register_method_not_allowed(app)

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
