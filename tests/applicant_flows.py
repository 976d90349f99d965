"""Helpers for the applicant's side: sign in with the code from the log, apply with files."""
import io
import logging
import re

from app.demo import formpdf
from app.parties.idnumbers import with_check_digit_id_card, with_check_digit_uscc

PDF = formpdf.render("测试材料", "测试", False)
PHONE = "13912345678"
PERSON = with_check_digit_id_card("61012419850505123")
COMPANY = with_check_digit_uscc("91610118MA6TYYYY0")


class CodeLog(logging.Handler):
    """Reads sign-in codes from the development SMS channel (the onewindow.notify log)."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def code_for(self, phone: str) -> str:
        for message in reversed(self.messages):
            if phone in message:
                return re.search(r"'code': '(\d{6})'", message).group(1)
        raise AssertionError(f"no code sent to {phone}")


class Applicant:
    """An applicant's HTTP client with a bearer token from phone sign-in."""

    def __init__(self, app, codes: CodeLog, phone: str = PHONE, address: str = "203.0.113.9"):
        self.client, self.phone, self.address = app.test_client(), phone, address
        sent = self.client.post("/api/v1/applicant/codes", json={"phone": phone}, environ_base=self._env())
        assert sent.status_code == 202, sent.get_json()
        session = self.client.post("/api/v1/applicant/session", json={"phone": phone, "code": codes.code_for(phone)},
                                   environ_base=self._env())
        assert session.status_code == 200, session.get_json()
        self.headers = {"Authorization": f"Bearer {session.get_json()['token']}"}

    def _env(self):
        return {"REMOTE_ADDR": self.address}

    def get(self, path):
        return self.client.get(path, headers=self.headers)

    def put(self, path, json):
        return self.client.put(path, json=json, headers=self.headers)

    def post(self, path, json=None, data=None):
        if data is not None:
            return self.client.post(path, data=data, headers=self.headers, content_type="multipart/form-data")
        return self.client.post(path, json=json, headers=self.headers)

    def register(self, name: str = "张三", id_number: str = PERSON, company: str | None = None):
        assert self.put("/api/v1/applicant/me", {"name": name, "id_number": id_number}).status_code == 200
        if company:
            added = self.post("/api/v1/applicant/me/companies", {"name": "鄠邑小厨餐饮有限公司", "uscc": company})
            assert added.status_code == 201, added.get_json()
        return self

    def apply(self, item_code="610118-SCJG-0001", files=("SQS", "YYZZ", "FDDBR"), expect=201, content=PDF,
              names=None, **form):
        data = {"item_code": item_code, **form}
        for code in files:
            data[f"files.{code}"] = (io.BytesIO(content), (names or {}).get(code, f"{code}.pdf"))
        response = self.post("/api/v1/applicant/cases", data=data)
        assert response.status_code == expect, response.get_json()
        return response.get_json()
