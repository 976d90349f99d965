// A task's form, rendered by the bpmn.io form viewer from forms/<formKey>.form, submitted to
// the REST API with the page's session and CSRF token. The server validates again; its field
// errors are shown at the fields they name.
import { Form } from "@bpmn-io/form-js-viewer";
import { formTranslations, localiseFixedWords } from "./form-zh.js";

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

// Choices that end a case and cannot be taken back: asked again, naming the case.
const IRREVERSIBLE = { outcome: { reject: "不予受理" }, decision: { deny: "不予批准" } };

function irreversible(data) {
  for (const [key, values] of Object.entries(IRREVERSIBLE)) {
    if (values[data[key]]) return values[data[key]];
  }
  return null;
}

function confirmed(what, caseNo) {
  const dialog = document.getElementById("confirm-final");
  if (!dialog || !dialog.showModal) return Promise.resolve(true);
  dialog.querySelector(".what").textContent = `确定对办件 ${caseNo || ""} 作出“${what}”决定吗？决定作出后不能撤回，将出具决定书并告知申请人。`;
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

// What the clerk found wrong with each material asked for: a text per ticked material of the
// `missing_materials` checklist, sent beside the form's answers as `material_notes` and printed
// on the correction notice (art. 13(2): everything to correct, told at once).
const NOTICE_OUTCOMES = ["correct", "tolerate"];
const NOTE_MAX = 200;

function materialNotes(container, task, byKey) {
  const options = (task.form_data || {}).item_materials || [];
  if (!byKey.missing_materials || !options.length) return { update() {}, collect: () => undefined };
  const box = document.createElement("fieldset");
  box.id = "material-notes";
  box.hidden = true;
  const legend = document.createElement("legend");
  legend.textContent = "各项材料存在的问题（写入补正或容缺通知书，可不填）";
  box.append(legend);
  container.after(box);
  const labels = Object.fromEntries(options.map((o) => [o.value, o.label]));
  const inputs = {};
  let ticked = [];
  return {
    update(data) {
      ticked = NOTICE_OUTCOMES.includes(data.outcome) && Array.isArray(data.missing_materials) ? data.missing_materials : [];
      Object.entries(inputs).forEach(([code, label]) => { label.hidden = !ticked.includes(code); });
      ticked.filter((code) => !inputs[code]).forEach((code) => {
        const label = document.createElement("label");
        label.dataset.code = code;
        label.textContent = `${labels[code] || code}：存在的问题`;
        const input = document.createElement("input");
        input.type = "text";
        input.maxLength = NOTE_MAX;
        input.name = `material_notes.${code}`;
        input.placeholder = "例如：未加盖企业公章，请重新提交盖章的原件";
        label.append(input);
        box.append(label);
        inputs[code] = label;
      });
      options.forEach((o) => { if (inputs[o.value]) box.append(inputs[o.value]); });  // in the list's order
      box.hidden = !ticked.length;
    },
    collect() {
      const notes = {};
      ticked.forEach((code) => {
        const value = inputs[code] && inputs[code].querySelector("input").value.trim();
        if (value) notes[code] = value;
      });
      return Object.keys(notes).length ? notes : undefined;
    },
  };
}

async function mount(container) {
  const taskId = container.dataset.taskId;
  const status = document.getElementById("form-status");
  const { data: task } = await api("GET", `/api/v1/tasks/${encodeURIComponent(taskId)}`);
  if (!task.form) { container.textContent = "该任务没有表单"; return; }
  const form = new Form({ container, additionalModules: [formTranslations] });
  await form.importSchema(task.form, task.form_data || {});
  localiseFixedWords(container);
  const button = document.getElementById("submit-task");
  if (task.state !== "open" || !button) {  // done, or not this person's post: the form is shown to read
    form.setProperty("readOnly", true);
    if (button) button.hidden = true;
    container.dataset.ready = "true";
    return;
  }
  // Our forms carry no button of their own: one submit button for every task form.
  button.hidden = false;
  button.addEventListener("click", () => form.submit());
  const byKey = idsByKey(task.form);
  const notes = materialNotes(container, task, byKey);
  form.on("changed", ({ data }) => notes.update(data));
  form.on("submit", async ({ data: answers, errors }) => {
    const data = { ...answers, material_notes: notes.collect() };
    if (data.material_notes === undefined) delete data.material_notes;
    if (Object.keys(errors).length) { status.textContent = "请先更正标红的字段"; return; }
    const final = irreversible(data);
    if (final && !(await confirmed(final, container.dataset.caseNo))) { status.textContent = "已取消提交"; return; }
    status.textContent = "正在提交…";
    status.className = "";
    const { ok, data: body } = await api("POST", `/api/v1/tasks/${encodeURIComponent(taskId)}/complete`, { data });
    if (ok) {
      status.textContent = "已办结";
      const next = new URL(container.dataset.next || "/inbox", window.location.href);
      next.searchParams.set("done", taskId);  // the inbox says what was done and offers the notice to print
      window.location.href = next.toString();
      return;
    }
    const fieldErrors = {};
    const general = [];
    Object.entries(body.errors || {}).forEach(([key, messages]) => {
      const id = byKey[key.split(".").pop()];
      if (id) fieldErrors[id] = messages; else general.push(...messages);
    });
    form._setState({ errors: fieldErrors });  // the viewer renders these under their fields
    status.textContent = (body.message || "提交失败，请稍后重试") + (general.length ? "：" + general.join("；") : "");
    status.className = "error";
  });
  container.dataset.ready = "true";
}

document.querySelectorAll("[data-task-id]").forEach((el) => mount(el).catch((err) => {
  console.error(err);  // the detail for whoever looks; the clerk gets a sentence
  el.textContent = "表单加载失败，请刷新页面重试；如仍失败，请联系系统管理员。";
}));
