"""Unbound extension objects; create_app binds them. Importing this module has no side effects."""
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from app.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
