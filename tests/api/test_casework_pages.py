"""Case actions that were the API's alone, now on the dossier: a supervisor of the case's hall
resets a pickup code suspended after repeated wrong codes; the back office (or a chief
representative) starts and ends a special procedure. Those who may not act see no form, and a
refusal is a Chinese flash with nothing changed."""
from datetime import timedelta

import lxml.html

from app import clock
from tests.api.test_pickup_lockout import PICKUP, _decided, _lock
from tests.api.test_staff_pages import signed_in, token_of
from tests.flows import complete, dossier, open_task, pickup_code, start


def _page(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.get_data(as_text=True))


def _post(client, path: str, form_page: str, **fields):
    """Post a dossier form as the browser does (the CSRF token of the page it is on)."""
    return client.post(path, data={"csrf_token": token_of(client.get(form_page)), **fields})


def _flashes(client, response) -> list[str]:
    assert response.status_code == 302, response.status_code
    doc = _page(client, response.headers["Location"])
    return [p.text_content() for p in doc.cssselect("p.flash")]


def _suspended(app, as_user) -> dict:
    pickup = as_user("pickup")
    case = _decided(as_user)
    for _ in range(3):
        _lock(pickup, case, pickup_code(app, case), 1)
    return case


def test_a_supervisor_resets_a_suspended_pickup_code_from_the_dossier(app, as_user):
    case = _decided(as_user)
    supervisor = signed_in(app, "supervisor")
    url, reset = f"/cases/{case['id']}", f"/cases/{case['id']}/pickup-code/reset"
    assert not _page(supervisor, url).cssselect("#reset-pickup")  # nothing suspended: no form
    before = len(dossier(as_user("supervisor"), case)["events"])
    assert _flashes(supervisor, _post(supervisor, reset, url)) == ["该办件未暂停窗口领取，无需重置取件码"]
    assert len(dossier(as_user("supervisor"), case)["events"]) == before  # nothing changed

    case = _suspended(app, as_user)
    url, reset = f"/cases/{case['id']}", f"/cases/{case['id']}/pickup-code/reset"
    # The pickup window is told why, and sees no form; it may not post one either.
    window = signed_in(app, "pickup")
    doc = _page(window, url)
    assert "请联系本大厅督办人员重置取件码" in doc.get_element_by_id("pickup-suspended").text_content()
    assert not doc.cssselect("#reset-pickup")
    assert _post(window, reset, url).status_code == 403
    assert as_user("pickup").post(f"/api/v1/cases/{case['id']}/pickup-code/reset", json={}).status_code == 403

    form = _page(supervisor, url).get_element_by_id("reset-pickup")
    assert "重置取件码" in form.text_content() and form.cssselect('input[name="note"]')
    done = _post(supervisor, reset, url, note="已核实申请人身份证件")
    assert _flashes(supervisor, done) == ["已重置取件码，新取件码已发送给申请人"]
    history = _page(supervisor, url).get_element_by_id("history").text_content()
    assert "重置取件码，恢复窗口领取：已核实申请人身份证件" in history
    assert not _page(supervisor, url).cssselect("#reset-pickup")  # resumed: the form is gone
    new = pickup_code(app, case)  # shown to the applicant again, and it works
    assert complete(as_user("pickup"), case, "window_delivery", {**PICKUP, "pickup_code": new})["status"] == "completed"


def test_an_administrator_sees_the_reset_form_and_a_supervisor_elsewhere_does_not_reach_the_case(app, as_user,
                                                                                               make_user, make_hall):
    case = _suspended(app, as_user)
    url = f"/cases/{case['id']}"
    assert _page(signed_in(app, "admin"), url).cssselect("#reset-pickup")
    make_hall("HY-TEST-CASEWORK", "测试街道便民服务中心")
    make_user("sup_other", ("supervisor", "HY-TEST-CASEWORK"))
    other = app.test_client()
    form = other.get("/login")
    other.post("/login", data={"csrf_token": token_of(form), "username": "sup_other", "password": "pw-sup_other"})
    refused = other.post(f"{url}/pickup-code/reset", data={"csrf_token": token_of(other.get("/contacts/flagged"))})
    assert refused.status_code == 404
    assert as_user("supervisor").get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "awaiting_delivery"


def _accepted(as_user) -> dict:
    frontdesk = as_user("frontdesk")
    return complete(frontdesk, start(frontdesk), "front_desk_acceptance", {"outcome": "accept"})


def test_the_back_office_starts_and_ends_a_special_procedure_from_the_dossier(app, as_user):
    case = _accepted(as_user)  # Monday 30 November, under review
    api = as_user("backoffice")
    due = dossier(api, case)["decision_due"]
    url, begin = f"/cases/{case['id']}", f"/cases/{case['id']}/special-procedures"
    back = signed_in(app, "backoffice")
    form = _page(back, url).get_element_by_id("start-procedure")
    options = {o.get("value"): o.text for o in form.cssselect('select[name="kind"] option')}
    assert options == {"inspection": "现场勘查（现场核查）", "hearing": "听证"}  # what the guide announces

    # Refusals: a flash, and the case unchanged.
    assert _flashes(back, _post(back, begin, url, kind="inspection", reason=" ")) == ["请说明启动特别程序的理由（必填项）"]
    assert _flashes(back, _post(back, begin, url, kind="party", reason="x")) == ["请选择特别程序的种类"]
    refused = _flashes(back, _post(back, begin, url, kind="expert_review", reason="组织专家评审"))
    assert refused[0].startswith("办事指南（第 1 版）未列明特别程序“专家评审”")
    assert dossier(api, case)["special_procedure"] is None

    clock.advance(timedelta(days=3))  # Thursday 3 December
    back = signed_in(app, "backoffice")  # a new working day, a new sign-in
    started = _post(back, begin, url, kind="inspection", reason="需对经营场所进行现场勘查")
    assert _flashes(back, started) == ["已启动特别程序：现场勘查，期间不计入办理时限"]
    doc = _page(back, url)
    assert doc.get_element_by_id("special-procedure").text_content().startswith("特别程序进行中：现场勘查（自 12月3日起）")
    assert not doc.cssselect("#start-procedure") and doc.cssselect("#end-procedure")
    again = _flashes(back, _post(back, begin, url, kind="hearing", reason="再来一次"))
    assert again == ["办件正在进行特别程序：现场勘查"]

    # The task page's 更多操作 holds the same form; ending there comes back to the task.
    task = open_task(dossier(api, case), "back_office_review")
    task_url = f"/tasks/{task['id']}"
    more = _page(back, task_url).cssselect("details.more")[0]
    assert "特别程序" in more.cssselect("summary")[0].text_content() and more.cssselect("#end-procedure")
    clock.advance(timedelta(days=4))  # Monday 7 December: 2 working days paused
    back = signed_in(app, "backoffice")
    ended = _post(back, f"{begin}/end", task_url, note="现场勘查已完成", back=task_url)
    assert ended.headers["Location"].endswith(task_url)
    assert _flashes(back, ended) == ["特别程序已结束，办理期限已顺延"]
    after = dossier(api, case)
    assert after["special_procedure"] is None and after["paused_days"] == 2 and after["decision_due"] > due
    history = _page(back, url).get_element_by_id("history").text_content()
    assert "启动特别程序：现场勘查（需对经营场所进行现场勘查）" in history
    assert "特别程序结束：现场勘查，不计时 2 个工作日（现场勘查已完成）" in history
    assert _flashes(back, _post(back, f"{begin}/end", url)) == ["办件当前没有进行中的特别程序"]


def test_only_the_deciding_roles_see_or_use_the_special_procedure_forms(app, as_user, make_user):
    case = _accepted(as_user)
    url, begin = f"/cases/{case['id']}", f"/cases/{case['id']}/special-procedures"
    for username in ("frontdesk", "supervisor"):
        client = signed_in(app, username)
        assert not _page(client, url).cssselect("#start-procedure, #end-procedure")
        assert _post(client, begin, url, kind="inspection", reason="x").status_code == 403
    assert dossier(as_user("backoffice"), case)["special_procedure"] is None

    make_user("chief_sp", ("chief_representative", "HY-ZWFW"))
    chief = app.test_client()
    chief.post("/login", data={"csrf_token": token_of(chief.get("/login")), "username": "chief_sp",
                               "password": "pw-chief_sp"})
    assert _page(chief, url).cssselect("#start-procedure")
    started = _flashes(chief, _post(chief, begin, url, kind="hearing", reason="申请人申请听证"))
    assert started[0].startswith("已启动特别程序：听证")

    # A case not under review (still at the front desk) cannot start one: no form, and a flash.
    waiting = start(as_user("frontdesk"))
    back = signed_in(app, "backoffice")
    assert not _page(back, f"/cases/{waiting['id']}").cssselect("#start-procedure")
    refused = _post(back, f"/cases/{waiting['id']}/special-procedures", f"/cases/{waiting['id']}", kind="inspection",
                    reason="现场勘查")
    assert _flashes(back, refused) == ["只有审查中的办件可以启动特别程序"]
