"""Unbound extension objects; create_app binds them. Importing this module has no side effects."""
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
# CSRF for the pages' forms; checked per blueprint (the API authenticates by bearer token).
csrf = CSRFProtect()
