"""OneWindow: the BPMN platform of a district government service centre."""
import logging
import os

from flask import Flask

from app.config import CONFIGS, resolve_secret


def create_app(config: str | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    name = config if isinstance(config, str) else os.environ.get("ONEWINDOW_ENV", "development")
    app.config.from_object(CONFIGS[name])
    if isinstance(config, dict):
        app.config.update(config)
    resolve_secret(app.config)
    app.json.ensure_ascii = False
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    start_scheduler(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.extensions import api, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    api.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app import api as rest
    from app.extensions import api

    rest.register(app, api)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def start_scheduler(app: Flask) -> None:
    if app.config.get("SCHEDULER_ENABLED"):
        from app.timers.scheduler import start_embedded

        start_embedded(app)
