"""POST /api/v1/auth/token and GET /api/v1/auth/me."""
from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from app.api.docs import Blueprint
from app.api.schemas import StrictSchema
from app.api.security import principal
from app.auth import service as auth
from app.auth.models import User
from app.auth.roles import ROLE_LABELS
from app.errors import NotAuthenticated
from app.http.runtime import db_session, settings

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与令牌")


class Credentials(StrictSchema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class Grant(Schema):
    role = fields.String()
    role_label = fields.String()
    hall = fields.String(allow_none=True)


class Me(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.Nested(Grant))


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(Me)


def present_user(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": [{"role": g.role, "role_label": ROLE_LABELS.get(g.role, g.role),
                   "hall": g.hall.code if g.hall else None} for g in user.roles],
    }


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(Credentials)
    @blp.response(200, TokenOut)
    @blp.doc(security=[])
    @blp.errors(401, 429)
    def post(self, creds):
        """Exchange a username and password for a bearer token."""
        user = auth.authenticate(db_session(), creds["username"], creds["password"], request.remote_addr)
        return {
            "token": auth.issue_token(user, settings().secret),
            "token_type": "Bearer",
            "expires_in": settings().token_max_age,
            "user": present_user(user),
        }


@blp.route("/me")
class CurrentUser(MethodView):
    @blp.response(200, Me)
    def get(self):
        """The signed-in user and the roles they hold in each hall."""
        user = auth.user_by_id(db_session(), principal().user_id)
        if user is None:  # deleted since the token was checked
            raise NotAuthenticated("令牌已失效，请重新登录")
        return present_user(user)
