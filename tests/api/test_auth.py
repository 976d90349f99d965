"""Authentication, tokens, default-deny, health and the OpenAPI document."""
from datetime import timedelta

from app import clock


def test_token_for_good_password_and_401_otherwise(as_user):
    anonymous = as_user()
    ok = anonymous.post("/api/v1/auth/token", json={"username": "frontdesk", "password": "onewindow-demo"})
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["token_type"] == "Bearer" and body["token"]
    assert {"role": "front_desk", "role_label": "前台综合受理", "hall": "HY-ZWFW"} in body["user"]["roles"]
    me = anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["username"] == "frontdesk"

    wrong = anonymous.post("/api/v1/auth/token", json={"username": "frontdesk", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.get_json()["message"] == "用户名或密码错误"
    unknown = anonymous.post("/api/v1/auth/token", json={"username": "ghost", "password": "x"})
    assert unknown.status_code == 401 and unknown.get_json()["message"] == "用户名或密码错误"
    missing = anonymous.post("/api/v1/auth/token", json={"username": "frontdesk"})
    assert missing.status_code == 422 and "password" in missing.get_json()["errors"]


def test_every_api_call_needs_a_token(as_user):
    anonymous = as_user()
    for method, path in [("GET", "/api/v1/cases"), ("GET", "/api/v1/tasks"), ("GET", "/api/v1/processes"),
                         ("POST", "/api/v1/catalog/items"), ("GET", "/api/v1/applicants/x"), ("POST", "/api/v1/cases"),
                         ("POST", "/api/v1/tasks/x/complete"), ("GET", "/api/v1/auth/me")]:
        response = anonymous._call(method, path)
        assert response.status_code == 401, path
        body = response.get_json()
        assert body["code"] == 401 and body["status"] == "Unauthorized" and body["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    forged = anonymous.get("/api/v1/cases", headers={"Authorization": "Bearer forged.token.value"})
    assert forged.status_code == 401 and forged.get_json()["message"] == "令牌无效"


def test_token_expires(app, as_user):
    frontdesk = as_user("frontdesk")
    header = {"Authorization": f"Bearer {frontdesk.token()}"}
    anonymous = as_user()
    assert anonymous.get("/api/v1/auth/me", headers=header).status_code == 200
    clock.advance(timedelta(seconds=app.config["TOKEN_MAX_AGE_SECONDS"] + 1))
    expired = anonymous.get("/api/v1/auth/me", headers=header)
    assert expired.status_code == 401 and "过期" in expired.get_json()["message"]


def test_healthz_and_openapi(as_user):
    anonymous = as_user()
    health = anonymous.get("/healthz")
    assert health.status_code == 200 and health.get_json()["database"] == "ok"
    spec = anonymous.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    for path in ("/api/v1/cases", "/api/v1/tasks/{task_id}/complete", "/api/v1/processes",
                 "/api/v1/cases/{case_id}/supplements", "/api/v1/auth/token"):
        assert path in paths
    docs = anonymous.get("/api/docs")
    assert docs.status_code == 200 and b"/api/v1/openapi.json" in docs.data
    asset = anonymous.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_unknown_api_path_is_json_404(as_user):
    response = as_user("frontdesk").get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["code"] == 404
