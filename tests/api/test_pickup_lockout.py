"""The pickup code (art. 16) cannot be guessed at the window: every wrong code counts even though
the step that checked it is rolled back; the 5th locks the code, a fresh one goes to the applicant
through the outbox (filled in only when sent), the old one is refused and the new one works. The
3rd lockout sends no new code: window pickup is suspended (409) and the hall's supervisors are
told, until one of them (or an administrator) resets it through the API."""
from tests.flows import complete, pickup_code, progress_page, start

PICKUP = {"delivery_method": "window_pickup"}


def _decided(as_user) -> dict:
    frontdesk, backoffice = as_user("frontdesk"), as_user("backoffice")
    case = complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})
    return complete(backoffice, case, "back_office_review", {"decision": "approve"})


def _wrong(code: str, n: int) -> str:
    """The n-th wrong code (never the right one)."""
    return f"{(int(code) + n) % 10 ** 6:06d}"


def test_five_wrong_codes_lock_the_code_and_a_new_one_is_sent(app, as_user, codes):
    pickup = as_user("pickup")
    case = _decided(as_user)
    old = pickup_code(app, case)
    revision = pickup.get(f"/api/v1/cases/{case['id']}").get_json()["revision"]

    for n in range(1, 5):
        refused = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(old, n)}, expect=422)
        assert f"再输错 {5 - n} 次将锁定，并向申请人发送新取件码" in refused["errors"]["pickup_code"][0]
    locked = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(old, 5)}, expect=409)
    assert locked["message"] == "取件码已锁定"
    assert "新取件码已通过短信、电子邮件发送给申请人" in locked["errors"]["pickup_code"][0]

    staff_view = pickup.get(f"/api/v1/cases/{case['id']}").get_json()
    assert staff_view["status"] == "awaiting_delivery" and staff_view["revision"] == revision  # no step was taken
    kinds = [e["kind"] for e in staff_view["events"]]
    assert kinds.count("pickup_code_rejected") == 5
    assert "pickup_code_locked" in kinds and "pickup_code_reissued" in kinds

    new = pickup_code(app, case)
    assert new != old and len(new) == 6
    again = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": old}, expect=422)
    assert "原取件码已因多次输入错误锁定作废" in again["errors"]["pickup_code"][0]

    # The outbox holds the message without the code; the code is put in when it is sent.
    outbox = pickup.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    reissued = [n for n in outbox if n["kind"] == "pickup_code_reissued"]
    assert {n["channel"] for n in reissued} == {"sms", "email"}
    assert all("******" in n["body"] and new not in n["body"] and old not in n["body"] for n in reissued)
    assert new not in str(staff_view) and new not in str(outbox)
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    sms = [m for m in codes.messages if "[pickup_code_reissued]" in m]
    assert len(sms) == 1 and f"'pickup_code': '{new}'" in sms[0]

    done = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": new})
    assert done["status"] == "completed"


def test_the_count_is_per_code_and_a_right_code_before_the_limit_works(app, as_user):
    pickup = as_user("pickup")
    case = _decided(as_user)
    code = pickup_code(app, case)
    for n in range(1, 5):
        complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, n)}, expect=422)
    assert pickup_code(app, case) == code  # four wrong tries do not replace it
    assert complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": code})["status"] == "completed"


SUSPENDED = "取件码多次输入错误，已暂停窗口领取，请联系督办人员"


def _give_phone(app, username: str, phone: str) -> None:
    """An administrator enters the phone a member of staff is told at (/admin/users)."""
    from tests.api.test_staff_pages import signed_in, token_of

    client = signed_in(app, "admin")
    page = client.get("/admin/users")
    done = client.post(f"/admin/users/{username}/contact", data={"csrf_token": token_of(page), "email": "",
                                                                 "phone": phone})
    assert done.status_code == 302


def _lock(pickup, case: dict, code: str, start: int) -> dict:
    """Five wrong codes in a row: the body of the fifth answer (409)."""
    for n in range(start, start + 4):
        complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, n)}, expect=422)
    return complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, start + 4)}, expect=409)


def test_the_third_lockout_suspends_window_pickup_until_a_supervisor_of_the_hall_resets_it(app, as_user, make_user,
                                                                                          make_hall, codes):
    pickup, supervisor = as_user("pickup"), as_user("supervisor")
    _give_phone(app, "supervisor", "13900000001")
    case = _decided(as_user)
    url = f"/api/v1/cases/{case['id']}/pickup-code/reset"
    assert supervisor.post(url, json={}).status_code == 409  # nothing to reset yet

    for _lockout in (1, 2):  # the first two lockouts send a new code each
        code = pickup_code(app, case)
        assert _lock(pickup, case, code, 1)["message"] == "取件码已锁定"
        assert pickup_code(app, case) != code
    code = pickup_code(app, case)
    warned = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, 1)}, expect=422)
    said = warned["errors"]["pickup_code"][0]  # the clerk is told this round ends window pickup
    assert "请核对申请人新收到的取件码" in said and "再输错 4 次将暂停窗口领取，须督办人员核实后重置" in said
    for n in range(2, 5):
        complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, n)}, expect=422)
    suspended = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, 5)}, expect=409)
    assert suspended["message"] == SUSPENDED and suspended["errors"]["pickup_code"] == [SUSPENDED]
    with app.app_context():  # no third code was sent
        from app.cases.models import Case
        from app.extensions import db

        assert db.session.get(Case, case["id"]).pickup_code == code
        db.session.remove()
    progress = progress_page(app, case)  # the applicant is told, and shown no code that cannot work
    assert progress.get_element_by_id("pickup_suspended") is not None
    assert not progress.cssselect("#pickup_code")

    # Even the right code no longer opens window pickup; nothing more is counted.
    refused = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": code}, expect=409)
    assert refused["message"] == SUSPENDED
    complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": _wrong(code, 9)}, expect=409)
    view = pickup.get(f"/api/v1/cases/{case['id']}").get_json()
    kinds = [e["kind"] for e in view["events"]]
    assert view["status"] == "awaiting_delivery"
    assert kinds.count("pickup_code_rejected") == 15 and kinds.count("pickup_code_locked") == 3
    assert kinds.count("pickup_code_reissued") == 2 and kinds.count("pickup_suspended") == 1
    outbox = pickup.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    assert len([n for n in outbox if n["kind"] == "pickup_code_reissued"]) == 2 * 2  # sms and e-mail, twice

    # The hall's supervisors are told.
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    told = [m for m in codes.messages if "[pickup_suspended]" in m]
    assert len(told) == 1 and "13900000001" in told[0] and case["case_no"] in told[0]

    # Only a supervisor of the case's hall (or an administrator) may reset it.
    assert pickup.post(url, json={}).status_code == 403
    assert as_user("frontdesk").post(url, json={}).status_code == 403
    make_hall("HY-TEST-RESET", "测试街道便民服务中心")
    elsewhere = make_user("sup_elsewhere", ("supervisor", "HY-TEST-RESET"))
    assert elsewhere.post(url, json={}).status_code == 404

    reset = supervisor.post(url, json={"note": "已核实申请人身份证件"})
    assert reset.status_code == 200, reset.get_json()
    events = supervisor.get(f"/api/v1/cases/{case['id']}").get_json()["events"]
    assert [e["kind"] for e in events[:2]] == ["pickup_code_reissued", "pickup_code_reset"]  # newest first
    assert "已核实申请人身份证件" in events[1]["message"] and events[1]["actor"] == "supervisor"
    assert supervisor.post(url, json={}).status_code == 409  # done: nothing more to reset

    new = pickup_code(app, case)
    assert new != code
    outbox = pickup.get(f"/api/v1/cases/{case['id']}/notifications").get_json()["items"]
    reissued = [n for n in outbox if n["kind"] == "pickup_code_reissued"]
    assert len(reissued) == 3 * 2 and all(new not in n["body"] for n in reissued)
    again = complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": code}, expect=422)
    assert "再输错 4 次将锁定" in again["errors"]["pickup_code"][0]  # the counts started again
    assert complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": new})["status"] == "completed"


def test_an_administrator_may_reset_and_other_delivery_methods_are_not_suspended(app, as_user):
    pickup = as_user("pickup")
    case = _decided(as_user)
    for _ in range(3):
        _lock(pickup, case, pickup_code(app, case), 1)
    done = complete(pickup, case, "window_delivery", {"delivery_method": "mail", "carrier": "sf", "tracking_no": "SF1234567890"})
    assert done["status"] == "completed"  # mailing the result does not need the code
    refused = as_user("admin").post(f"/api/v1/cases/{case['id']}/pickup-code/reset", json={})
    assert refused.status_code == 409  # delivered meanwhile

    case = _decided(as_user)
    for _ in range(3):
        _lock(pickup, case, pickup_code(app, case), 1)
    reset = as_user("admin").post(f"/api/v1/cases/{case['id']}/pickup-code/reset", json={})
    assert reset.status_code == 200, reset.get_json()
    assert complete(pickup, case, "window_delivery", {**PICKUP, "pickup_code": pickup_code(app, case)})["status"] \
        == "completed"

