"""The form of a case's task: its schema, the data it is shown with, validation of answers."""
from app.catalog.service import material_options
from app.errors import ProcessFailure
from app.taskforms.schema import FormSpec, compile_form


def form_of(definition, form_key: str | None) -> tuple[dict, FormSpec]:
    form = (definition.forms or {}).get(form_key or "")
    if form is None:
        raise ProcessFailure(f"流程版本中缺少表单 {form_key}", errors={"form": [f"缺少表单 {form_key}"]})
    spec, _ = compile_form(form)
    return form, spec


def context_of(instance, task, guide) -> dict:
    """The task's process data plus platform-provided option lists (the materials of the
    case's guide version a clerk may ask for)."""
    data = instance.task_data(task.id)
    data["item_materials"] = material_options(guide)
    return data


def initial_data(spec: FormSpec, context: dict) -> dict:
    """What the form viewer needs: the option lists of valuesKey fields. Earlier answers are
    not prefilled: a repeated acceptance round starts from a blank form."""
    return {k: context[k] for k in spec.values_keys() if k in context}
