"""One person, one ID (art. 17): ID-card numbers, USCCs and phone numbers are written one way.
Fullwidth digits (what a Chinese input method types) become ASCII; digits of other scripts pass
no check digit here, whatever their value, so a number cannot be registered twice by spelling it
differently."""
from datetime import timedelta

from app import clock
from tests.applicant_flows import PERSON, Applicant
from tests.flows import application

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _applicant(number: str, phone: str = "13800000000") -> dict:
    return {"name": "王五", "id_type": "id_card", "id_number": number, "phone": phone}


def test_fullwidth_numbers_are_stored_as_ascii_and_found_by_the_ascii_number(as_user):
    frontdesk = as_user("frontdesk")
    started = frontdesk.post("/api/v1/cases", json=application(applicant=_applicant(PERSON.translate(FULLWIDTH),
                                                                                    "１３８００００００００")))
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["applicant"]["id_number"] == PERSON
    assert started.get_json()["applicant"]["phone"] == "13800000000"
    found = frontdesk.get(f"/api/v1/applicants/{PERSON}")
    assert found.status_code == 200 and [c["id"] for c in found.get_json()["cases"]] == [started.get_json()["id"]]
    # the fullwidth spelling finds the same person
    assert frontdesk.get(f"/api/v1/applicants/{PERSON.translate(FULLWIDTH)}").get_json()["cases"] \
        == found.get_json()["cases"]


def test_digits_of_other_scripts_are_refused_naming_the_field(as_user):
    frontdesk = as_user("frontdesk")
    for table in (ARABIC_INDIC, DEVANAGARI):
        refused = frontdesk.post("/api/v1/cases", json=application(applicant=_applicant(PERSON.translate(table))))
        assert refused.status_code == 422, refused.get_json()
        assert "半角数字" in refused.get_json()["errors"]["applicant.id_number"][0]
        looked_up = frontdesk.get(f"/api/v1/applicants/{PERSON.translate(table)}")
        assert looked_up.status_code == 422 and "id_number" in looked_up.get_json()["errors"]
    phone = frontdesk.post("/api/v1/cases", json=application(applicant=_applicant(PERSON, "١٣٨٠٠٠٠٠٠٠٠")))
    assert phone.status_code == 422 and "applicant.phone" in phone.get_json()["errors"]


def test_another_person_cannot_register_a_number_by_spelling_it_in_other_digits(app, codes):
    Applicant(app, codes).register(name="张三", id_number=PERSON)
    other = Applicant(app, codes, phone="13912340000", address="203.0.113.10")
    for table in (ARABIC_INDIC, DEVANAGARI):
        answer = other.put("/api/v1/applicant/me", {"name": "李四", "id_number": PERSON.translate(table)})
        assert answer.status_code == 422, answer.get_json()
        assert "半角数字" in answer.get_json()["errors"]["applicant.id_number"][0]
    # in fullwidth it is the same number, already registered with another phone and name: to the window
    assert other.put("/api/v1/applicant/me", {"name": "李四", "id_number": PERSON.translate(FULLWIDTH)}).status_code == 409


def test_a_fullwidth_phone_signs_in_to_the_same_account(app, codes):
    first = Applicant(app, codes).register(name="张三", id_number=PERSON)
    clock.advance(timedelta(seconds=61))  # one code a minute per phone: the same phone, as it should be
    client, fullwidth = app.test_client(), "１３９１２３４５６７８"
    assert client.post("/api/v1/applicant/codes", json={"phone": fullwidth}).status_code == 202
    signed_in = client.post("/api/v1/applicant/session", json={"phone": fullwidth, "code": codes.code_for(first.phone)})
    assert signed_in.status_code == 200, signed_in.get_json()
    assert signed_in.get_json()["account"] == first.get("/api/v1/applicant/me").get_json()


def test_a_number_on_file_with_another_id_type_is_refused_and_left_as_it_is(app, as_user):
    from app.extensions import db
    from app.parties.models import Applicant as Party

    with app.app_context():  # on file as a company (no real number passes both check digits: put it there)
        db.session.add(Party(id_type="uscc", id_number=PERSON, name="某公司", phone="029-84810000",
                             created_at=clock.now(), updated_at=clock.now()))
        db.session.commit()
    frontdesk = as_user("frontdesk")
    refused = frontdesk.post("/api/v1/cases", json=application(applicant=_applicant(PERSON)))
    assert refused.status_code == 422, refused.get_json()
    assert "证件类型" in refused.get_json()["errors"]["applicant.id_type"][0]
    with app.app_context():
        kept = db.session.query(Party).filter_by(id_number=PERSON).one()
        assert (kept.id_type, kept.name, kept.phone) == ("uscc", "某公司", "029-84810000")
    again = frontdesk.post("/api/v1/cases", json=application(applicant={**_applicant(PERSON), "name": "王五二"}))
    assert again.status_code == 422


def test_a_later_application_refreshes_the_contact_details_it_gives(as_user):
    frontdesk = as_user("frontdesk")
    first = frontdesk.post("/api/v1/cases", json=application(applicant={**_applicant(PERSON), "email": "a@b.cn"}))
    assert first.status_code == 201, first.get_json()
    second = frontdesk.post("/api/v1/cases", json=application(applicant={"name": "王五（改名）", "id_type": "id_card",
                                                                         "id_number": PERSON}))
    assert second.status_code == 201, second.get_json()
    found = frontdesk.get(f"/api/v1/applicants/{PERSON}").get_json()
    person = found["applicant"]
    assert person["name"] == "王五（改名）"  # the name as last given
    assert (person["phone"], person["email"]) == ("13800000000", "a@b.cn")  # not given again: kept
    assert len(found["cases"]) == 2
