"""The current app's runtime (built by app.bootstrap) and database session, for routes."""
from flask import current_app
from sqlalchemy.orm import Session

from app.bootstrap import Runtime, runtime_of
from app.extensions import db
from app.settings import Settings


def runtime() -> Runtime:
    return runtime_of(current_app)


def settings() -> Settings:
    return runtime().settings


def db_session() -> Session:
    """This request's database session (Flask-SQLAlchemy's scoped session, resolved)."""
    return db.session()
