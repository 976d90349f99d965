"""Halls (art. 19–21): the tree of district centre, street centres and community stations."""
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.docs import Blueprint
from app.api.schemas import StrictSchema, one_of, text
from app.api.security import require_roles
from app.auth import halls
from app.auth import roles as R
from app.auth.hallnames import LEVELS
from app.catalog import service as catalog
from app.http.runtime import db_session

blp = Blueprint("halls", __name__, url_prefix="/api/v1/halls", description="政务服务大厅")


class HallIn(StrictSchema):
    code = text(32, required=True)
    name = text(200, required=True)
    level = fields.String(required=True, validate=one_of(list(LEVELS)))
    parent = text(32, load_default=None, allow_none=True)


class HallNode(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    children = fields.List(fields.Nested(lambda: HallNode()))


class HallTree(Schema):
    halls = fields.List(fields.Nested(HallNode))


class HallCreated(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    parent = fields.String(allow_none=True)


class HallItem(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    citywide = fields.Boolean()
    version = fields.Integer()


class HallOut(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    items = fields.List(fields.Nested(HallItem))


@blp.route("")
class Halls(MethodView):
    @blp.returns(200, HallTree)
    def get(self):
        """Every hall as a tree."""
        return {"halls": halls.tree(db_session())}

    @require_roles(R.ADMIN)
    @blp.arguments(HallIn)
    @blp.returns(201, HallCreated)
    @blp.errors(403, 409)
    def post(self, args):
        """Create a hall; its name must follow the uniform pattern (art. 21)."""
        hall = halls.create(db_session(), args["code"], args["name"], args["level"], args["parent"])
        return {"code": hall.code, "name": hall.name, "level": hall.level, "parent": args["parent"]}, 201


@blp.route("/<string:code>")
class Hall(MethodView):
    @blp.returns(200, HallOut)
    @blp.errors(404)
    def get(self, code):
        """One hall and the published items it receives (its own, the citywide ones; for a
        community station, by proxy, those of the halls above it)."""
        hall = halls.get(db_session(), code)
        return {"code": hall.code, "name": hall.name, "level": hall.level,
                "items": [{"code": v.item.code, "name": v.name, "citywide": v.item.citywide, "version": v.version}
                          for v in catalog.items_of_hall(db_session(), hall)]}
