// The guide editor (/catalog/manage/<code>/versions/<n>): every element of a guide (basics,
// legal basis, limits and fees, materials with their rules, special procedures, the process the
// item is handled by, the change record) as one form. 保存并检查 saves the draft through the
// catalogue API and shows the linter's findings beside the fields they are about; an
// administrator publishes (refused while findings remain). Fields the form does not show (sample
// files) are kept as they were.
import { el } from "./dom.js";

const form = document.getElementById("guide-form");
const code = form.dataset.code;
const number = form.dataset.number;
const editable = form.dataset.editable === "true";
const choices = JSON.parse(form.dataset.choices);
const processes = JSON.parse(form.dataset.processes);
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const url = `/api/v1/catalog/items/${encodeURIComponent(code)}/versions/${number}`;

const BASICS = [
  ["name", "事项名称", "text", 200], ["item_type", "事项类型", "select", "item_type"],
  ["implementing_body", "实施主体", "text", 200], ["service_object", "服务对象", "select", "service_object"],
  ["acceptance_conditions", "受理条件", "textarea", 8000],
];
const LIMITS = [
  ["legal_limit_days", "法定办结时限（工作日）", "number"], ["promised_limit_days", "承诺办结时限（工作日）", "number"],
  ["fee_charged", "收费", "checkbox"], ["fee_standard", "收费标准", "textarea", 2000], ["fee_basis", "收费依据", "textarea", 2000],
];
const HANDLING = [
  ["handling_channels", "办理形式", "checks", "handling_channels"], ["location", "办理地点", "textarea", 1000],
  ["hours", "办理时间", "text", 500], ["result_name", "办理结果", "text", 200],
  ["consultation_contact", "咨询方式", "text", 500], ["complaint_contact", "监督投诉方式", "text", 500],
  ["process_description", "办理流程（文字说明）", "textarea", 8000], ["process_key", "办理流程模型", "process"],
];
const CHANGE = [["change_summary", "变更说明", "textarea", 2000], ["legal_change", "引起调整的法律法规变化（第 2 版起必填）", "textarea", 2000]];
const LISTS = {
  legal_basis: { title: "设定依据", item: "依据", fields: [["law", "法律法规名称", "text", 200], ["article", "条款", "text", 100],
    ["text", "条文内容", "textarea", 4000]] },
  special_procedures: { title: "特别程序（不计入办理时限）", item: "特别程序", fields: [["kind", "种类", "select", "kind"],
    ["name", "名称", "text", 100], ["limit_days", "时限（工作日）", "number"], ["counted_in_legal_limit", "计入法定时限", "checkbox"]] },
  materials: { title: "所需材料", item: "材料", fields: [["code", "材料编码", "text", 64], ["name", "材料名称", "text", 200],
    ["category", "材料类别", "select", "category"], ["material_type", "材料类型", "select", "material_type"],
    ["copies", "份数", "number"], ["paper_spec", "纸质规格", "text", 64], ["medium", "材料形式", "select", "medium"],
    ["requirement", "是否必要", "select", "requirement"], ["condition", "按情形提交时的情形", "textarea", 1000],
    ["source", "来源渠道", "select", "source"], ["agency_category", "出具的中介机构类别", "text", 200],
    ["certificate_code", "保留的证明事项编码", "text", 64], ["legal_basis", "材料的设定依据", "textarea", 1000],
    ["tolerable", "可容缺受理", "checkbox"], ["notes", "填报须知", "textarea", 1000]] },
};

let loaded = {};
let dirty = false;

function input(path, label, kind, extra, value) {
  let control;
  if (kind === "textarea") {
    control = el("textarea", { rows: "3", maxlength: String(extra) });
    control.value = value ?? "";
  } else if (kind === "select" || kind === "process") {
    const options = kind === "process" ? processes.map((p) => [p.key, `${p.name}（${p.key}）`]) : Object.entries(choices[extra]);
    control = el("select", {}, el("option", { value: "", text: "请选择" }),
      options.map(([v, text]) => el("option", { value: v, text })));
    control.value = value ?? "";
  } else if (kind === "checkbox") {
    control = el("input", { type: "checkbox" });
    control.checked = Boolean(value);
    return el("div", { class: "guide-field", "data-path": path },
      el("label", {}, control, ` ${label}`));
  } else if (kind === "checks") {
    const chosen = new Set(value || []);
    return el("fieldset", { class: "guide-field", "data-path": path }, el("legend", { text: label }),
      Object.entries(choices[extra]).map(([v, text]) => {
        const box = el("input", { type: "checkbox", value: v });
        box.checked = chosen.has(v);
        return el("label", {}, box, ` ${text}`);
      }));
  } else {
    control = el("input", { type: kind === "number" ? "number" : "text" });
    if (kind === "number") { control.min = "1"; control.max = "365"; } else control.maxLength = extra;
    control.value = value ?? "";
  }
  return el("div", { class: "guide-field", "data-path": path }, el("label", {}, label, control));
}

function read(field, kind) {
  if (kind === "checks") return [...field.querySelectorAll("input:checked")].map((b) => b.value);
  const control = field.querySelector("input, select, textarea");
  if (kind === "checkbox") return control.checked;
  if (kind === "number") return control.value === "" ? null : Number(control.value);
  return control.value.trim() === "" ? null : control.value;
}

function section(title, fields, guide) {
  return el("section", { class: "card" }, el("h2", { text: title }),
    fields.map(([name, label, kind, extra]) => input(name, label, kind, extra, guide[name])));
}

function listRow(name, spec, row, index) {
  const box = el("fieldset", { class: "guide-row", "data-list": name, "data-path": `${name}[${index}]` },
    el("legend", { text: `${spec.item} ${index + 1}` }),
    spec.fields.map(([f, label, kind, extra]) => input(`${name}[${index}].${f}`, label, kind, extra, row[f])));
  if (editable) {
    const remove = el("button", { type: "button", class: "remove-row", text: `删除此${spec.item}` });
    remove.addEventListener("click", () => { collectList(name); loaded[name].splice(index, 1); redrawList(name); dirty = true; });
    box.append(remove);
  }
  return box;
}

function listSection(name) {
  const spec = LISTS[name];
  const rows = el("div", { class: "guide-rows", id: `list-${name}` });
  const sectionNode = el("section", { class: "card", "data-path": name }, el("h2", { text: spec.title }), rows);
  if (editable) {
    const add = el("button", { type: "button", id: `add-${name}`, text: `添加${spec.item}` });
    add.addEventListener("click", () => {
      collectList(name);
      loaded[name].push(name === "materials" ? { copies: 1, category: "document", material_type: "original",
        medium: "paper", requirement: "required", source: "applicant" } : {});
      redrawList(name);
      dirty = true;
    });
    sectionNode.append(add);
  }
  return sectionNode;
}

function redrawList(name) {
  const rows = document.getElementById(`list-${name}`);
  rows.innerHTML = "";
  (loaded[name] || []).forEach((row, i) => rows.append(listRow(name, LISTS[name], row, i)));
  if (!editable) rows.querySelectorAll("input, select, textarea").forEach((c) => { c.disabled = true; });
}

function collectList(name) {
  const spec = LISTS[name];
  loaded[name] = [...document.querySelectorAll(`#list-${name} > .guide-row`)].map((box, i) => {
    const row = { ...(loaded[name][i] || {}) };  // keeps what the form does not show (sample files)
    spec.fields.forEach(([f, , kind]) => { row[f] = read(box.querySelector(`[data-path="${name}[${i}].${f}"]`), kind); });
    return row;
  });
}

function collect() {
  const guide = { ...loaded };
  [...BASICS, ...LIMITS, ...HANDLING, ...CHANGE].forEach(([name, , kind]) => {
    guide[name] = read(form.querySelector(`[data-path="${name}"]`), kind);
  });
  Object.keys(LISTS).forEach((name) => { collectList(name); guide[name] = loaded[name]; });
  return guide;
}

function pathOf(key) {  // "json.materials.0.name" or "materials[0].name" -> "materials[0].name"
  return key.replace(/^json\./, "").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

function showFindings(findings) {
  form.querySelectorAll(".finding").forEach((n) => n.remove());
  form.querySelectorAll(".has-finding").forEach((n) => n.classList.remove("has-finding"));
  const list = document.getElementById("guide-findings");
  list.innerHTML = "";
  document.getElementById("guide-findings-card").hidden = !findings.length;
  findings.forEach((f) => {
    const target = form.querySelector(`[data-path="${CSS.escape(f.path)}"]`)
      || form.querySelector(`[data-path="${CSS.escape(f.path.split(".")[0])}"]`);
    const item = el("li", { text: f.message });
    list.append(item);
    if (target) {
      target.classList.add("has-finding");
      target.append(el("p", { class: "finding error", text: f.message }));
      item.addEventListener("click", () => target.scrollIntoView({ block: "center" }));
    }
  });
}

function say(text, kind) {
  const status = document.getElementById("guide-status");
  status.textContent = text;
  status.className = kind || "";
}

async function call(method, path, body) {
  const response = await fetch(path, { method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, data: await response.json().catch(() => ({})) };
}

async function save() {
  const { status, data } = await call("PUT", url, collect());
  if (status === 200) {
    dirty = false;
    showFindings(data.findings || []);
    say(data.findings.length ? `已保存；还有 ${data.findings.length} 处不符合规范` : "已保存，符合规范，可以发布", data.findings.length ? "error" : "ok");
    return data;
  }
  const errors = Object.entries(data.errors || {}).map(([k, v]) => ({ path: pathOf(k), message: v[0] }));
  showFindings(errors);
  say(data.message || "保存失败", "error");
  return null;
}

async function open() {
  const { status, data } = await call("GET", url);
  if (status !== 200) { say(data.message || "办事指南打开失败", "error"); return; }
  loaded = { ...data.guide };
  Object.keys(LISTS).forEach((name) => { loaded[name] = (loaded[name] || []).map((r) => ({ ...r })); });
  form.append(section("基本信息", BASICS, loaded), listSection("legal_basis"), section("时限与收费", LIMITS, loaded),
    listSection("materials"), listSection("special_procedures"), section("办理方式与流程", HANDLING, loaded),
    section("变更记录", CHANGE, loaded));
  Object.keys(LISTS).forEach(redrawList);
  if (!editable) form.querySelectorAll("input, select, textarea").forEach((c) => { c.disabled = true; });
  showFindings(data.findings || []);
  form.addEventListener("input", () => { dirty = true; say("有未保存的修改"); });
  form.addEventListener("change", () => { dirty = true; });
  window.addEventListener("beforeunload", (event) => { if (dirty) event.preventDefault(); });
  form.dataset.ready = "true";
}

const saveButton = document.getElementById("guide-save");
if (saveButton) saveButton.addEventListener("click", () => save().catch(() => say("保存失败，请稍后重试", "error")));
const publishButton = document.getElementById("guide-publish");
if (publishButton) {
  publishButton.addEventListener("click", async () => {
    const saved = await save();
    if (!saved || saved.findings.length) { say("还有不符合规范之处，不能发布", "error"); return; }
    if (!window.confirm(`确定发布第 ${number} 版办事指南吗？发布后各渠道即按此版本公示和办理。`)) return;
    const { status, data } = await call("POST", `${url}/publish`);
    if (status === 200) {
      say(`已发布第 ${number} 版，${data.effective_from} 起生效`, "ok");
      window.location.assign(`/catalog/manage/${encodeURIComponent(code)}`);
      return;
    }
    showFindings(data.findings || []);
    say(data.message || "发布失败", "error");
  });
}
open();
