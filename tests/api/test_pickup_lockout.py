"""The pickup code (art. 16) cannot be guessed at the window: every wrong code counts even though
the step that checked it is rolled back; the 5th locks the code, a fresh one goes to the applicant
through the outbox (filled in only when sent), the old one is refused and the new one works."""
from tests.flows import complete, pickup_code, start

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
        assert f"再输错 {5 - n} 次将锁定" in refused["errors"]["pickup_code"][0]
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
