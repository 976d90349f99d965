"""The form-handler pattern of the staff pages: run a service, then either flash what was done
and go back to the list, or show the service's refusal with each field's message."""
from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.errors import DomainError


def form_action(action: Callable[[], object], *, done: str, back: str, failed: str,
                then: Callable[[object], None] | None = None, **values) -> Response | tuple[str, int]:
    """Call `action` (a service call that commits); on success call `then` with its result, flash
    `done` and redirect to the endpoint `back`; on a refusal render the message page titled
    `failed` (422)."""
    try:
        result = action()
    except DomainError as exc:
        details = "；".join(f"{k}：{v[0]}" for k, v in (exc.errors or {}).items())
        return render_template("staff/message.html", title=failed,
                               message=exc.message + (f"（{details}）" if details else "")), 422
    if then is not None:
        then(result)
    flash(done)
    return redirect(url_for(back, **values))


ADDRESS_KEYS = ("recipient", "phone", "province", "city", "district", "street", "detail")


def delivery_of(form) -> dict | None:
    """The delivery choice of a page form (`delivery.method`, `delivery.address.<part>`), as the
    services take it (app.cases.delivery_choice.check)."""
    method = form.get("delivery.method")
    if not method:
        return None
    return {"method": method, "address": {key: form.get(f"delivery.address.{key}") for key in ADDRESS_KEYS}}


TRUE_WORDS = {"1", "on", "true", "yes"}


def _number(text: str):
    try:
        number = float(text)
    except ValueError:
        return text  # left as typed: the form's validation names the field
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def start_form_data(fields: list[dict], form) -> dict:
    """The application's own fields (receiving.start_fields) from a page form (`data.<key>`), typed
    as the start form declares them: a page posts text, the form wants numbers, booleans, lists."""
    data: dict = {}
    for field in fields:
        name, kind = f"data.{field['key']}", field.get("type")
        if kind in ("checklist", "taglist"):
            chosen = [v for v in form.getlist(name) if v]
            if chosen:
                data[field["key"]] = chosen
            continue
        if kind == "checkbox":
            data[field["key"]] = (form.get(name) or "").strip().lower() in TRUE_WORDS
            continue
        text = (form.get(name) or "").strip()
        if not text:
            continue
        data[field["key"]] = _number(text) if kind == "number" else text
    return data
