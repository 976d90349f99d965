"""Staff password sign-in is limited (issue 14): an account locks after 5 wrong passwords in 15
minutes (the right one is refused too, with a message saying until when), an administrator can
unlock it at once, and one client address may fail 20 times an hour whatever names it tries."""
from datetime import timedelta

from app import clock
from tests.api.test_staff_pages import signed_in, token_of

TOKEN = "/api/v1/auth/token"


def _login(app, username: str, password: str, address: str = "198.51.100.20"):
    return app.test_client().post(TOKEN, json={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def test_five_wrong_passwords_lock_the_account_until_an_administrator_unlocks_it(app):
    for n in range(4):
        wrong = _login(app, "frontdesk", f"wrong-{n}")
        assert wrong.status_code == 401 and wrong.get_json()["message"] == "用户名或密码错误"
    locked = _login(app, "frontdesk", "wrong-4")
    assert locked.status_code == 429 and "已锁定" in locked.get_json()["message"]
    right = _login(app, "frontdesk", "onewindow-demo", address="198.51.100.99")  # from anywhere
    assert right.status_code == 429 and "系统管理员解锁" in right.get_json()["message"]
    assert int(right.headers["Retry-After"]) > 0

    admin = signed_in(app, "admin")
    users_page = admin.get("/admin/users")
    assert "密码输错已锁定" in users_page.get_data(as_text=True)
    assert admin.post("/admin/users/frontdesk/unlock", data={"csrf_token": token_of(users_page)}).status_code == 302
    assert "密码输错已锁定" not in admin.get("/admin/users").get_data(as_text=True)
    assert _login(app, "frontdesk", "onewindow-demo").status_code == 200


def test_a_lock_lapses_and_a_good_sign_in_forgets_the_failures(app):
    for n in range(5):
        _login(app, "backoffice", f"wrong-{n}")
    assert _login(app, "backoffice", "onewindow-demo").status_code == 429
    clock.advance(timedelta(minutes=16))
    assert _login(app, "backoffice", "onewindow-demo").status_code == 200
    for n in range(4):  # the count started again: four more wrong ones do not lock
        _login(app, "backoffice", f"again-{n}")
    assert _login(app, "backoffice", "onewindow-demo").status_code == 200


def test_one_address_guessing_many_names_is_slowed_down(app):
    for n in range(20):
        assert _login(app, f"nobody{n}", "guess", address="203.0.113.66").status_code == 401
    blocked = _login(app, "frontdesk", "onewindow-demo", address="203.0.113.66")
    assert blocked.status_code == 429 and "本机登录失败次数过多" in blocked.get_json()["message"]
    assert _login(app, "frontdesk", "onewindow-demo", address="203.0.113.67").status_code == 200


def test_the_sign_in_page_shows_the_lock(app):
    for n in range(5):
        _login(app, "pickup", f"wrong-{n}")
    client = app.test_client()
    page = client.get("/login")
    refused = client.post("/login", data={"csrf_token": token_of(page), "username": "pickup", "password": "onewindow-demo"})
    assert refused.status_code == 429 and "已锁定" in refused.get_data(as_text=True)
