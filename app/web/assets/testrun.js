// 试运行: the draft run in a sandbox beside its diagram. The designer acts as each lane in turn (the
// task's form renders as the clerk sees it and is checked by the server), answers as the applicant,
// moves the sandbox's clock by working days to see timers fire, and watches the token on the
// diagram. Documents and messages of each step are listed, never made or sent.
import { Form } from "@bpmn-io/form-js-viewer";
import { formTranslations, localiseFixedWords } from "./form-zh.js";
import { idsByKey } from "./formpreview.js";
import { el } from "./dom.js";

const MATERIALS = [["SQS", "申请书"], ["YYZZ", "营业执照复印件"], ["SFZ", "身份证明"]];

function materialBoxes(name, checked) {
  return el("fieldset", { class: "materials" }, el("legend", { text: "材料" }),
    MATERIALS.map(([code, label]) => {
      const box = el("input", { type: "checkbox", name, value: code });
      box.checked = checked;
      return el("label", {}, box, ` ${label}`);
    }));
}

function chosen(container, name) {
  return [...container.querySelectorAll(`input[name="${name}"]:checked`)].map((b) => b.value);
}

// `call(method, path, body)` reaches /api/v1/drafts/<id>/<path>; `saved()` saves the draft first;
// `startForm()` is the schema of the start event's form (or null).
export function testRunPanel({ panel, modeler, call, saved, startForm, onClose }) {
  const overlays = modeler.get("overlays");
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  let marked = [];
  let forms = [];

  function clearTokens() {
    overlays.remove({ type: "ow-token" });
    marked.forEach(([id, cls]) => canvas.removeMarker(id, cls));
    marked = [];
  }

  function showTokens(run) {
    clearTokens();
    (run.completed_elements || []).forEach((id) => {
      if (registry.get(id)) { canvas.addMarker(id, "ow-passed"); marked.push([id, "ow-passed"]); }
    });
    (run.active_elements || []).forEach((id) => {
      if (!registry.get(id)) return;
      canvas.addMarker(id, "ow-active");
      marked.push([id, "ow-active"]);
      const token = el("div", { class: "ow-token", title: "流程当前位置", text: "●" });
      overlays.add(id, "ow-token", { position: { bottom: 4, left: -6 }, html: token });
    });
  }

  function status(text, kind) {
    const line = panel.querySelector(".run-status");
    line.textContent = text;
    line.className = `run-status ${kind || ""}`;
  }

  async function act(path, body) {
    const { status: code, data } = await call("POST", path, body);
    if (code === 200 || code === 201) { render(data); return { ok: true, data }; }
    status(data.message + ((data.problems || []).length ? `（${data.problems.map((p) => p.message).join("；")}）` : ""), "error");
    return { ok: false, data };
  }

  function startView() {
    const body = el("div", { class: "stack" },
      el("p", { class: "meta", text: "以示例申请启动一个沙盒办件：不会产生真实办件、文书或短信。" }),
      materialBoxes("start-material", true),
      el("label", {}, "承诺时限（工作日）", el("input", { type: "number", id: "run-promised", min: "1", max: "366", value: "10" })),
      el("label", {}, "法定时限（工作日）", el("input", { type: "number", id: "run-legal", min: "1", max: "366", value: "20" })));
    const schema = startForm();
    let form = null;
    if (schema) {
      const host = el("div", { class: "run-form" });
      body.append(el("h4", { text: "申请表" }), host);
      form = new Form({ container: host, additionalModules: [formTranslations] });
      localiseFixedWords(host);
      form.importSchema(schema, {});
      forms.push(form);
    }
    const start = el("button", { type: "button", class: "primary", id: "run-start", text: "开始试运行" });
    start.addEventListener("click", async () => {
      if (!(await saved())) { status("草稿未能保存，请稍后重试", "error"); return; }
      await act("test-run", {
        materials: chosen(body, "start-material"),
        promised_limit_days: Number(panel.querySelector("#run-promised").value),
        legal_limit_days: Number(panel.querySelector("#run-legal").value),
        data: form ? form.submit().data : {},
      });
    });
    body.append(start);
    return body;
  }

  function taskCard(task) {
    const host = el("div", { class: "run-form" });
    const due = task.due ? ` · 期限 ${task.due.slice(0, 10)}` : "";
    const button = el("button", { type: "button", class: "primary", text: `以“${task.role_label || "办理人"}”身份完成` });
    const card = el("section", { class: "run-task", "data-element": task.element },
      el("h4", { text: task.name }), el("p", { class: "meta", text: `岗位：${task.role_label || "未指定"}${due}` }), host, button);
    let form = null;
    if (task.form) {
      form = new Form({ container: host, additionalModules: [formTranslations] });
      localiseFixedWords(host);
      form.importSchema(task.form, task.options || {});
      forms.push(form);
    }
    button.addEventListener("click", async () => {
      const data = form ? form.submit().data : {};
      const { ok, data: body } = await act(`test-run/tasks/${encodeURIComponent(task.id)}/complete`, { data });
      if (!ok && form && body.errors) {
        const byKey = idsByKey(task.form.components);
        const errors = {};
        Object.entries(body.errors).forEach(([k, v]) => { if (byKey[k]) errors[byKey[k]] = v; });
        form._setState({ errors });
      }
    });
    return card;
  }

  function supplementCard() {
    const note = el("input", { type: "text", id: "run-supplement-note", maxlength: "500", placeholder: "补正说明（可不填）" });
    const box = el("section", { class: "run-task", id: "run-supplement" }, el("h4", { text: "申请人补交材料" }),
      materialBoxes("supplement-material", false), note);
    const button = el("button", { type: "button", text: "模拟申请人补交" });
    button.addEventListener("click", () => act("test-run/supplement",
      { materials: chosen(box, "supplement-material"), note: note.value }));
    box.append(button);
    return box;
  }

  function clockControls(run) {
    const days = el("input", { type: "number", id: "run-workdays", min: "1", max: "366", value: "1" });
    const forward = el("button", { type: "button", id: "run-forward", text: "前进" });
    forward.addEventListener("click", () => act("test-run/clock", { workdays: Number(days.value) }));
    const next = el("button", { type: "button", id: "run-next-timer", text: "前进到下一个计时器到期" });
    next.disabled = !(run.timers || []).length;
    next.addEventListener("click", () => act("test-run/clock", { next_timer: true }));
    const timers = el("ul", { class: "run-timers" }, (run.timers || []).map((t) =>
      el("li", { text: `${t.name}：${t.due_text} 到期` })));
    return el("section", { class: "run-clock" }, el("h4", { text: "时钟" }),
      el("label", {}, "前进 ", days, " 个工作日 "), forward, " ", next, timers);
  }

  function pathList(run) {
    return el("ol", { class: "run-path", id: "run-path" }, (run.steps || []).map((s) => el("li", {},
      el("span", { class: "meta", text: `${s.at_text} ` }), s.text,
      s.status_text ? el("div", { text: s.status_text }) : null,
      (s.shown || []).length ? el("div", { class: "meta", text: `正式办件会：${s.shown.join("；")}（试运行未出具、未发送）` }) : null,
      s.ended ? el("div", { class: "ok", text: "流程结束" }) : null)));
  }

  function render(run) {
    forms.forEach((f) => f.destroy());
    forms = [];
    const body = panel.querySelector(".run-body");
    body.innerHTML = "";
    if (!run) {
      clearTokens();
      body.append(startView());
      panel.dataset.state = "none";
      return;
    }
    panel.dataset.state = run.outcome;
    status(`${run.outcome_label} · 试运行时钟 ${run.now_text}${run.status_label ? ` · 办件状态：${run.status_label}` : ""}`,
      run.outcome === "stale" ? "error" : "ok");
    if (run.stale && run.outcome !== "stale") {
      body.append(el("p", { class: "notice", text: "试运行开始后草稿又修改过：部署时将按当前草稿重放这条记录。" }));
    }
    if (run.outcome === "running") {
      (run.open_tasks || []).forEach((t) => body.append(taskCard(t)));
      if ((run.waiting_messages || []).some((m) => m.name === "supplement")) body.append(supplementCard());
      body.append(clockControls(run));
    }
    body.append(el("h4", { text: "记录的路径" }), pathList(run));
    showTokens(run);
  }

  async function refresh() {
    const { status: code, data } = await call("GET", "test-run");
    render(code === 200 ? data : null);
    panel.dataset.ready = "true";
  }

  panel.querySelector("#run-restart").addEventListener("click", () => render(null));
  panel.querySelector("#run-discard").addEventListener("click", async () => {
    await call("DELETE", "test-run");
    render(null);
    status("已清除试运行记录", "ok");
  });
  panel.querySelector("#run-close").addEventListener("click", () => {
    clearTokens();
    onClose();
  });
  return { refresh, clear: clearTokens };
}
