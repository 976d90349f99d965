// The process modeler: bpmn-js with the properties panel for what OneWindow's engine reads
// (lanes named by role, camunda:formKey and dueDate, timer expressions, conditions, scripts).
// Open any deployed version, validate on the server (findings shown on their elements), deploy
// as a new version, download the file.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviors from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import ChineseModule from "./zh.js";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

const modeler = new BpmnModeler({
  container: "#canvas",
  propertiesPanel: { parent: "#properties" },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule, CamundaBehaviors, ChineseModule],
  moddleExtensions: { camunda: camundaModdle },
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

async function xmlFile() {
  const { xml } = await modeler.saveXML({ format: true });
  return new Blob([xml], { type: "application/xml" });
}

async function post(url) {
  const body = new FormData();
  body.append("file", await xmlFile(), "process.bpmn");
  const response = await fetch(url, { method: "POST", body, credentials: "same-origin",
    headers: { "X-CSRFToken": csrf() } });
  return { status: response.status, data: await response.json().catch(() => ({})) };
}

async function open(key, version) {
  const response = await fetch(`/api/v1/processes/${encodeURIComponent(key)}/versions/${version}/xml`,
    { credentials: "same-origin" });
  await modeler.importXML(await response.text());
  modeler.get("canvas").zoom("fit-viewport", "auto");
  clearFindings();
  say(`已打开 ${key} 第 ${version} 版`);
  $("canvas").dataset.ready = "true";
}

$("validate").addEventListener("click", async () => {
  const { data } = await post("/api/v1/processes/validate");
  showFindings(data.problems || []);
  say(data.valid ? "校验通过，可以部署" : `校验未通过：${(data.problems || []).length} 个问题`, data.valid ? "ok" : "error");
});

$("deploy").addEventListener("click", async () => {
  const { status, data } = await post("/api/v1/processes");
  if (status === 201 || status === 200) {
    clearFindings();
    say(status === 201 ? `已部署为 ${data.key} 第 ${data.version} 版` : `内容未变化，仍为第 ${data.version} 版`, "ok");
    $("deployed-version").textContent = data.version;
    return;
  }
  showFindings(data.problems || []);
  say(data.message || "部署失败", "error");
});

$("download").addEventListener("click", async () => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await xmlFile());
  link.download = ($("canvas").dataset.key || "process") + ".bpmn";
  link.click();
  URL.revokeObjectURL(link.href);
});

$("findings").addEventListener("click", (event) => {
  const id = event.target.dataset.element;
  if (id) modeler.get("selection").select(modeler.get("elementRegistry").get(id));
});

const { key, version } = $("canvas").dataset;
if (key) open(key, version).catch((err) => say("打开失败：" + err.message, "error"));
