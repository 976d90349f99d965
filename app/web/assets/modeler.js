// The process modeler: bpmn-js with the properties panel for what OneWindow's engine reads
// (lanes named by role, camunda:formKey and dueDate, timer expressions, conditions, scripts).
// It edits a draft saved on the server: every change is saved a moment later (autosave, guarded
// by the draft's revision) and validated by the server (findings shown on their elements); one
// designer edits at a time (a lease the open page renews; the others read); deploy makes the
// saved draft and its forms one new version.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviors from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { blankForm, formEditor } from "./formeditor.js";
import { formPreview } from "./formpreview.js";
import lintModule from "bpmn-js-bpmnlint";
import { BlocksModule } from "./blocks.js";
import { lintConfig } from "./lint.js";
import { OneWindowPanelModule } from "./owpanel.js";
import { testRunPanel } from "./testrun.js";
import ChineseModule from "./zh.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

const modeler = new BpmnModeler({
  container: "#canvas",
  propertiesPanel: { parent: "#properties" },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule, CamundaBehaviors, ChineseModule, OneWindowPanelModule, lintModule,
    BlocksModule],
  linting: { bpmnlint: lintConfig, active: true },
  moddleExtensions: { camunda: camundaModdle },
  // the posts a lane may name (from the page) and the draft's forms (read when the panel draws)
  oneWindow: { roles: JSON.parse($("canvas").dataset.roles || "[]"), statuses: JSON.parse($("canvas").dataset.statuses || "[]"),
    documents: JSON.parse($("canvas").dataset.documents || "[]"),
    forms: () => forms, useForm: (key) => useForm(key) },
});
let marked = [];

function say(text, kind) {
  const status = $("modeler-status");
  status.textContent = text;
  status.className = kind || "";
}

function clearFindings() {
  const overlays = modeler.get("overlays");
  const canvas = modeler.get("canvas");
  overlays.remove({ type: "ow-problem" });
  marked.forEach((id) => canvas.removeMarker(id, "ow-problem"));
  marked = [];
  $("findings").innerHTML = "";
}

function showFindings(problems) {
  clearFindings();
  const overlays = modeler.get("overlays");
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  problems.forEach((p) => {
    const li = document.createElement("li");
    li.textContent = (p.element_id ? `[${p.element_id}] ` : "") + p.message;
    li.dataset.element = p.element_id || "";
    $("findings").appendChild(li);
    if (p.element_id && registry.get(p.element_id)) {
      canvas.addMarker(p.element_id, "ow-problem");
      marked.push(p.element_id);
      const badge = document.createElement("div");
      badge.className = "ow-problem-badge";
      badge.title = p.message;
      badge.textContent = "!";
      overlays.add(p.element_id, "ow-problem", { position: { top: -8, right: 8 }, html: badge });
    }
  });
}

const draftId = $("canvas").dataset.draftId;
const SAVE_AFTER_MS = 800;
const CHECK_AFTER_MS = 120;  // the server's findings follow an edit this soon (unsaved XML is checked)
const RENEW_EVERY_MS = 60 * 1000;
let revision = 0;
let readOnly = false;
let dirty = false;
let timer = null;
let saving = Promise.resolve();
let forms = {};  // the draft's forms: key -> form-js schema (saved with the diagram)
let formsChanged = false;
let openForm = null;
let editor = null;

async function api(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, data: await response.json().catch(() => ({})) };
}

function processId() {
  const root = (modeler.getDefinitions().rootElements || []).find((e) => e.$type === "bpmn:Process");
  return root ? root.id : "process";
}

function hhmm() {
  return new Date().toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
}

function becomeReader(message) {
  readOnly = true;
  const banner = $("lease-banner");
  banner.querySelector(".what").textContent = message + "（您的修改不会保存）";
  banner.hidden = false;
  $("deploy").disabled = true;
}

async function validate() {
  const { data } = await api("POST", `/api/v1/drafts/${draftId}/validate`);
  showFindings(data.problems || []);
  return data;
}

async function save() {
  if (readOnly || !dirty) return true;
  dirty = false;
  const { xml } = await modeler.saveXML({ format: true });
  $("save-status").textContent = "正在保存…";
  const body = { xml, revision };
  if (formsChanged) body.forms = forms;
  const sentForms = formsChanged;
  formsChanged = false;
  const { status, data } = await api("PUT", `/api/v1/drafts/${draftId}`, body);
  if (status === 200) {
    revision = data.revision;
    $("save-status").textContent = `已自动保存 ${hhmm()}`;
    return true;
  }
  dirty = true;
  formsChanged = formsChanged || sentForms;
  $("save-status").textContent = "未保存";
  if (status === 409 && !("revision" in data)) becomeReader(data.message);
  else say(data.message || "保存失败，请稍后重试", "error");
  return false;
}

let checkTimer = null;
let checking = 0;

async function checkNow() {
  const ticket = ++checking;
  const { xml } = await modeler.saveXML();
  const body = { xml };
  if (formsChanged) body.forms = forms;
  const { status, data } = await api("POST", `/api/v1/drafts/${draftId}/check`, body);
  if (ticket !== checking || status !== 200) return;  // a later edit's answer is on its way
  showFindings(data.problems || []);
  $("findings").dataset.checkedAt = String(performance.now());
}

function checkSoon() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(() => checkNow().catch((err) => console.error(err)), CHECK_AFTER_MS);
}

function saveSoon() {
  dirty = true;
  checkSoon();
  if (readOnly) return;
  clearTimeout(timer);
  $("save-status").textContent = "有未保存的修改";
  timer = setTimeout(() => {
    saving = saving.then(save).then((ok) => ok && validate()).catch((err) => {
      console.error(err);
      say("保存失败，请稍后重试", "error");
    });
  }, SAVE_AFTER_MS);
}

async function saved() {
  clearTimeout(timer);
  await saving;
  return save();
}

$("validate").addEventListener("click", async () => {
  if (!(await saved())) return;
  const data = await validate();
  say(data.valid ? "校验通过，可以部署" : `校验未通过：${(data.problems || []).length} 个问题`, data.valid ? "ok" : "error");
});

$("deploy").addEventListener("click", async () => {
  if (!(await saved())) return;
  const { status, data } = await api("POST", `/api/v1/drafts/${draftId}/deploy`);
  if (status === 201 || status === 200) {
    clearFindings();
    say(status === 201 ? `已部署为 ${data.key} 第 ${data.version} 版` : `内容未变化，仍为第 ${data.version} 版`, "ok");
    $("draft-origin").textContent = `已部署为 ${data.key} 第 ${data.version} 版（含表单 ${(data.forms || []).length} 个）`;
    return;
  }
  showFindings(data.problems || []);
  say(data.message || "部署失败", "error");
});

$("download").addEventListener("click", async () => {
  const { xml } = await modeler.saveXML({ format: true });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
  link.download = `${processId()}.bpmn`;
  link.click();
  URL.revokeObjectURL(link.href);
});

$("findings").addEventListener("click", (event) => {
  const id = event.target.dataset.element;
  if (id) modeler.get("selection").select(modeler.get("elementRegistry").get(id));
});

$("take-over").addEventListener("click", async () => {
  const { status, data } = await api("POST", `/api/v1/drafts/${draftId}/lease`);
  if (status === 200) window.location.reload();
  else say(data.message || "暂时不能接手", "error");
});

async function renew() {
  if (readOnly) return;
  const { status, data } = await api("POST", `/api/v1/drafts/${draftId}/lease`);
  if (status === 409) becomeReader(data.message);
}

// The forms tab: the draft's forms listed, one open in the form editor at a time.
function showTab(which) {
  const forms = which === "forms";
  $("tab-diagram").setAttribute("aria-selected", String(!forms));
  $("tab-forms").setAttribute("aria-selected", String(forms));
  $("diagram-pane").hidden = forms;
  $("forms-pane").hidden = !forms;
}

function listForms() {
  const list = $("form-list");
  list.innerHTML = "";
  Object.keys(forms).sort().forEach((key) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = key;
    button.dataset.form = key;
    if (key === openForm) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => editForm(key));
    li.append(button);
    list.append(li);
  });
  $("form-count").textContent = String(Object.keys(forms).length);
}

let preview = null;
let previewTimer = null;

async function editForm(key) {
  openForm = key;
  listForms();
  $("form-title").textContent = `表单 ${key}`;
  if (editor) editor.destroy();
  $("form-editor").innerHTML = "";
  preview = preview || formPreview($("form-preview"), $("form-try-status"), async (method, path, body) => {
    if (method === "POST" && !(await saved())) return { status: 409, data: { message: "草稿未能保存，请稍后重试" } };
    return api(method, `/api/v1/drafts/${draftId}/${path}`, body);
  });
  $("form-preview-pane").hidden = false;
  await preview.show(key, forms[key]);
  editor = await formEditor($("form-editor"), forms[key], (schema) => {
    forms[key] = schema;
    formsChanged = true;
    saveSoon();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => preview.show(key, schema), 400);
  });
  $("form-editor").dataset.ready = key;
}

$("form-try").addEventListener("click", () => preview && preview.check().catch((err) => {
  console.error(err);
  say("试提交失败，请稍后重试", "error");
}));

// A building block from the palette brings its shipped form into the draft (once).
let blockForms = null;
async function useForm(key) {
  if (forms[key]) return;
  if (!blockForms) blockForms = ((await api("GET", "/api/v1/drafts/blocks")).data || {}).forms || {};
  if (!blockForms[key] || forms[key]) return;
  forms[key] = blockForms[key];
  formsChanged = true;
  listForms();
  saveSoon();
}

$("tab-diagram").addEventListener("click", () => showTab("diagram"));
$("tab-forms").addEventListener("click", () => showTab("forms"));
$("new-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("new-form-key").value.trim();
  if (forms[key]) { say(`表单 ${key} 已存在`, "error"); return; }
  forms[key] = blankForm(key);
  formsChanged = true;
  $("new-form-key").value = "";
  saveSoon();
  editForm(key);
});

// 试运行: the panel takes the properties panel's place while it is open.
function startForm() {
  const process = (modeler.getDefinitions().rootElements || []).find((e) => e.$type === "bpmn:Process");
  const start = ((process && process.flowElements) || []).find((e) => e.$type === "bpmn:StartEvent" && e.formKey);
  return start ? forms[start.formKey] || null : null;
}

const testRun = testRunPanel({
  panel: $("testrun"), modeler, saved, startForm,
  call: (method, path, body) => api(method, `/api/v1/drafts/${draftId}/${path}`, body),
  onClose: () => { $("testrun").hidden = true; $("properties").hidden = false; },
});
$("test-run").addEventListener("click", async () => {
  showTab("diagram");
  $("properties").hidden = true;
  $("testrun").hidden = false;
  await testRun.refresh();
});

async function open() {
  const { status, data: draft } = await api("GET", `/api/v1/drafts/${draftId}`);
  if (status !== 200) throw new Error(draft.message || "草稿不存在");
  await modeler.importXML(draft.xml);
  modeler.get("canvas").zoom("fit-viewport", "auto");
  revision = draft.revision;
  forms = draft.forms || {};
  listForms();
  if (draft.editing_by_other) becomeReader(`草稿正由 ${draft.editor} 编辑，您现在只能查看`);
  else await renew();
  modeler.on("commandStack.changed", saveSoon);
  setInterval(renew, RENEW_EVERY_MS);
  window.addEventListener("pagehide", () => {  // closing the tab frees the draft for the others
    if (!readOnly) fetch(`/api/v1/drafts/${draftId}/lease`, { method: "DELETE", keepalive: true,
      credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
  });
  await validate();
  $("canvas").dataset.ready = "true";
}

open().catch((err) => {
  console.error(err);
  say("草稿打开失败，请刷新页面重试", "error");
});
