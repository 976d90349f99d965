// A task's form, rendered by the bpmn.io form viewer from forms/<formKey>.form, submitted to
// the REST API with the page's session and CSRF token. The server validates again; its field
// errors are shown at the fields they name.
import { Form } from "@bpmn-io/form-js-viewer";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

async function api(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

function idsByKey(schema) {
  const out = {};
  const walk = (components) => (components || []).forEach((c) => {
    if (c.key) out[c.key] = c.id;
    walk(c.components);
  });
  walk(schema.components);
  return out;
}

async function mount(container) {
  const taskId = container.dataset.taskId;
  const status = document.getElementById("form-status");
  const { data: task } = await api("GET", `/api/v1/tasks/${encodeURIComponent(taskId)}`);
  if (!task.form) { container.textContent = "该任务没有表单"; return; }
  const form = new Form({ container });
  await form.importSchema(task.form, task.form_data || {});
  const button = document.getElementById("submit-task");
  if (task.state !== "open") {
    form.setProperty("readOnly", true);
    if (button) button.hidden = true;
    container.dataset.ready = "true";
    return;
  }
  // Our forms carry no button of their own: one submit button for every task form.
  button.hidden = false;
  button.addEventListener("click", () => form.submit());
  const byKey = idsByKey(task.form);
  form.on("submit", async ({ data, errors }) => {
    if (Object.keys(errors).length) { status.textContent = "请先更正标红的字段"; return; }
    status.textContent = "正在提交…";
    status.className = "";
    const { ok, data: body } = await api("POST", `/api/v1/tasks/${encodeURIComponent(taskId)}/complete`, { data });
    if (ok) {
      status.textContent = "已办结";
      window.location.href = container.dataset.next || "/inbox";
      return;
    }
    const fieldErrors = {};
    const general = [];
    Object.entries(body.errors || {}).forEach(([key, messages]) => {
      const id = byKey[key.split(".").pop()];
      if (id) fieldErrors[id] = messages; else general.push(...messages);
    });
    form._setState({ errors: fieldErrors });  // the viewer renders these under their fields
    status.textContent = body.message + (general.length ? "：" + general.join("；") : "");
    status.className = "error";
  });
  container.dataset.ready = "true";
}

document.querySelectorAll("[data-task-id]").forEach((el) => mount(el).catch((err) => {
  el.textContent = "表单加载失败：" + err.message;
}));
