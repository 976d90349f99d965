"""A worker keeps callers' accounts and grants in its reference cache (issue 15): an
administrator's change on /admin/users reaches the very next API call of every token, without a
restart and however warm the cache is."""
from tests.api.test_staff_pages import signed_in, token_of

TOKEN = "/api/v1/auth/token"


def _token(app, username: str) -> dict:
    answer = app.test_client().post(TOKEN, json={"username": username, "password": f"pw-{username}"})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def _admin_does(app, username: str, action: str, **form) -> None:
    admin = signed_in(app, "admin")
    page = admin.get("/admin/users")
    done = admin.post(f"/admin/users/{username}/{action}", data={"csrf_token": token_of(page), **form})
    assert done.status_code == 302


def test_a_deactivated_account_is_refused_at_its_next_call(app, make_user):
    make_user("desk9", ("front_desk", "HY-ZWFW"))
    headers = _token(app, "desk9")
    client = app.test_client()
    for _ in range(3):  # the worker's cache holds the account now
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    _admin_does(app, "desk9", "deactivate")
    refused = client.get("/api/v1/tasks", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["message"] == "令牌已失效，请重新登录"
    assert app.test_client().post(TOKEN, json={"username": "desk9", "password": "pw-desk9"}).status_code == 401

    _admin_does(app, "desk9", "activate")
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401  # the old token stays ended
    assert client.get("/api/v1/tasks", headers=_token(app, "desk9")).status_code == 200


def test_a_granted_role_counts_from_the_next_sign_in(app, make_user):
    make_user("window9", ("pickup_window", "HY-ZWFW"))
    client = app.test_client()
    before = _token(app, "window9")
    roles = {g["role"] for g in client.get("/api/v1/auth/me", headers=before).get_json()["roles"]}
    assert "front_desk" not in roles
    _admin_does(app, "window9", "grant", role="front_desk", hall="HY-ZWFW")
    assert client.get("/api/v1/auth/me", headers=before).status_code == 401
    after = _token(app, "window9")
    roles = {g["role"] for g in client.get("/api/v1/auth/me", headers=after).get_json()["roles"]}
    assert "front_desk" in roles
    assert client.get("/api/v1/tasks?role=front_desk", headers=after).status_code == 200


def test_a_change_made_by_hand_counts_once_the_reference_data_is_reloaded(app, make_user):
    """SQL outside the app (an account stopped in an emergency) bypasses the counter: until
    `flask reference reload`, a worker may still answer from its cache; after it, never."""
    from sqlalchemy import text

    from app.extensions import db

    make_user("desk8", ("front_desk", "HY-ZWFW"))
    headers = _token(app, "desk8")
    client = app.test_client()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # cached now
    with app.app_context():
        db.session.execute(text("UPDATE user_account SET active = false WHERE username = 'desk8'"))
        db.session.commit()
        db.session.remove()
    reloaded = app.test_cli_runner().invoke(args=["reference", "reload"])
    assert reloaded.exit_code == 0 and "every worker reloads" in reloaded.output
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
