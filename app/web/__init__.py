"""Server-rendered pages (Jinja), by audience: `public` (no sign-in), `staff`, `applicant`."""
from flask import Flask

from app.web.applicant import booking, portal
from app.web.pages import localtime
from app.web.public import complaints, guides, progress, tablet, verify
from app.web.public import consultations as public_consultations
from app.web.public import policies as public_policies
from app.web.staff import (
    admin,
    appointments,
    board,
    cases,
    casework,
    catalog,
    consultations,
    contacts,
    inbox,
    intake,
    policies,
    processes,
    rectifications,
    signin,
    tablets,
)


def register(app: Flask) -> None:
    app.add_template_filter(localtime, "localtime")
    for blueprint in (public_consultations.bp, consultations.bp, booking.bp, appointments.bp, policies.bp,
                      public_policies.bp, guides.bp, portal.bp, signin.bp, inbox.bp, intake.bp, cases.bp, processes.bp, admin.bp,
                      verify.bp, verify.deliver_bp, progress.bp, rectifications.bp, complaints.bp, contacts.bp, board.bp,
                      casework.bp, tablets.bp, tablet.bp, catalog.bp):
        app.register_blueprint(blueprint)
