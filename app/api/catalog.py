"""The minimal catalogue: service items with their halls and materials."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.catalog import service as catalog
from app.extensions import db

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/catalog", description="事项目录")


class MaterialOut(Schema):
    code = fields.String()
    name = fields.String()
    required = fields.Boolean()


class ItemOut(Schema):
    code = fields.String()
    name = fields.String()
    item_type = fields.String()
    process_key = fields.String()
    legal_limit_days = fields.Integer()
    promised_limit_days = fields.Integer()
    halls = fields.Function(lambda item: [h.code for h in item.halls])
    materials = fields.List(fields.Nested(MaterialOut))


@blp.route("/items")
class Items(MethodView):
    @blp.response(200, ItemOut(many=True))
    def get(self):
        """Every catalogued service item."""
        return catalog.list_items(db.session)


@blp.route("/items/<string:code>")
class Item(MethodView):
    @blp.response(200, ItemOut)
    def get(self, code):
        """One service item."""
        return catalog.get_item(db.session, code)
