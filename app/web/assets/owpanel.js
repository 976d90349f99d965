// The properties panel as OneWindow reads a process: a 一窗通办 group first (a lane's post, a
// task's or start event's form chosen from the draft's forms, a due date as a working-day
// expression), and the Camunda groups the engine does not execute taken away, so nothing a
// designer can set there is silently ignored (what remains: name and id, conditions, scripts,
// timers, extension properties such as applicantContact).
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";

const HIDDEN = new Set([
  "CamundaPlatform__AsynchronousContinuations", "CamundaPlatform__BusinessKey", "CamundaPlatform__CandidateStarter",
  "CamundaPlatform__ConnectorInput", "CamundaPlatform__ConnectorOutput", "CamundaPlatform__ExecutionListener",
  "CamundaPlatform__ExternalTask", "CamundaPlatform__FieldInjection", "CamundaPlatform__Form",
  "CamundaPlatform__FormData", "CamundaPlatform__HistoryCleanup", "CamundaPlatform__Implementation",
  "CamundaPlatform__Input", "CamundaPlatform__Output", "CamundaPlatform__JobExecution",
  "CamundaPlatform__StartInitiator", "CamundaPlatform__TaskListener", "CamundaPlatform__Tasklist",
  "CamundaPlatform__UserAssignment",
]);

const is = (element, type) => element.businessObject && element.businessObject.$instanceOf(type);

function RoleEntry({ element, id, roles }) {
  const modeling = useService("modeling");
  return h(SelectEntry, {
    element, id, label: "办理岗位",
    description: "泳道中的任务由该岗位在办件所在大厅办理",
    getValue: () => element.businessObject.name || "",
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => [{ value: "", label: "请选择岗位" },
      ...roles.map(([code, label]) => ({ value: code, label: `${label}（${code}）` }))],
  });
}

function FormEntry({ element, id, forms, label }) {
  const modeling = useService("modeling");
  return h(SelectEntry, {
    element, id, label,
    description: "在“表单”页签中新建或修改草稿的表单",
    getValue: () => element.businessObject.get("camunda:formKey") || "",
    setValue: (value) => modeling.updateProperties(element, { "camunda:formKey": value || undefined }),
    getOptions: () => {
      const current = element.businessObject.get("camunda:formKey");
      const keys = Object.keys(forms()).sort();
      if (current && !keys.includes(current)) keys.push(current);  // shown, and reported by the check
      return [{ value: "", label: "（无表单）" }, ...keys.map((k) => ({ value: k, label: k }))];
    },
  });
}

function DueEntry({ element, id }) {
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element, id, label: "办理期限", debounce,
    description: "Python 表达式，按工作日计算，如 workdays(20) 表示 20 个工作日",
    getValue: () => element.businessObject.get("camunda:dueDate") || "",
    setValue: (value) => modeling.updateProperties(element, { "camunda:dueDate": value || undefined }),
  });
}

// The timer's moment as a count of working days: timeDate = workdays(N).
const WORKDAYS = /^\s*workdays\(\s*(\d+)\s*\)\s*$/;

function TimerEntry({ element, id }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const timer = element.businessObject.eventDefinitions.find((d) => d.$instanceOf("bpmn:TimerEventDefinition"));
  return h(TextFieldEntry, {
    element, id, label: "定时：工作日数", debounce,
    description: "填数字即按工作日定时，写入 workdays(N)（节假日不计，调休上班日计入）；其他写法请在“定时器”组中填写 Python 表达式",
    getValue: () => {
      const body = timer.timeDate && timer.timeDate.body;
      const found = body && WORKDAYS.exec(body);
      return found ? found[1] : "";
    },
    setValue: (value) => {
      const days = String(value || "").trim();
      if (!/^\d+$/.test(days)) return;
      const timeDate = bpmnFactory.create("bpmn:FormalExpression", { body: `workdays(${days})` });
      modeling.updateModdleProperties(element, timer, { timeDate, timeDuration: undefined, timeCycle: undefined });
    },
    validate: (value) => (value && !/^\d+$/.test(String(value).trim()) ? "请填写工作日数（整数）" : null),
  });
}

// What a condition may read: the fields of the draft's forms and the variables the platform keeps.
const PLATFORM_VARIABLES = ["case_status", "tolerated", "correction_round", "outstanding_materials", "decision",
  "delivery_method"];

function formKeys(forms) {
  const keys = new Set();
  const walk = (components) => (components || []).forEach((c) => {
    if (c.key) keys.add(c.key);
    walk(c.components);
  });
  Object.values(forms).forEach((form) => walk(form.components));
  return [...keys].sort();
}

function ConditionEntry({ element, id, forms }) {
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const variables = [...new Set([...formKeys(forms()), ...PLATFORM_VARIABLES])];
  return h(TextFieldEntry, {
    element, id, label: "条件（Python 表达式）", debounce,
    description: `例如 decision == "approve"。可用变量：${variables.join("、")}`,
    getValue: () => (element.businessObject.conditionExpression || {}).body || "",
    setValue: (value) => {
      const text = String(value || "").trim();
      modeling.updateProperties(element, {
        conditionExpression: text ? bpmnFactory.create("bpmn:FormalExpression", { body: text }) : undefined,
      });
    },
  });
}

// A script task that only sets the case's status: the status picked from the platform's list
// (the script is written as case_status = "<code>"); other scripts are edited in the 脚本 group.
const SETS_STATUS = /^\s*case_status\s*=\s*"(\w+)"\s*$/;

function setsStatusOnly(element) {
  const script = element.businessObject.script;
  return !script || SETS_STATUS.test(script);
}

function StatusEntry({ element, id, statuses }) {
  const modeling = useService("modeling");
  return h(SelectEntry, {
    element, id, label: "置办件状态",
    description: "平台按办件状态出具文书、通知申请人；需要其他计算时在“脚本”组中编写 Python 脚本",
    getValue: () => {
      const found = SETS_STATUS.exec(element.businessObject.script || "");
      return found ? found[1] : "";
    },
    setValue: (value) => modeling.updateProperties(element, value
      ? { scriptFormat: "python", script: `case_status = "${value}"` } : { script: undefined }),
    getOptions: () => [{ value: "", label: "请选择办件状态" },
      ...statuses.map(([code, label]) => ({ value: code, label }))],
  });
}

// 出具文书: the document a script task with the issueDocument property issues, from the platform's list.
function issueProperty(element) {
  const extensions = element.businessObject.extensionElements;
  const lists = ((extensions && extensions.values) || []).filter((v) => v.$instanceOf("camunda:Properties"));
  return lists.flatMap((l) => l.values || []).find((p) => p.name === "issueDocument");
}

function DocumentEntry({ element, id, documents }) {
  const modeling = useService("modeling");
  const property = issueProperty(element);
  return h(SelectEntry, {
    element, id, label: "出具的文书",
    description: "流程经过此步时，平台出具所选文书、加盖电子印章并告知申请人",
    getValue: () => property.value || "",
    setValue: (value) => modeling.updateModdleProperties(element, property, { value }),
    getOptions: () => documents.map(([code, label]) => ({ value: code, label })),
  });
}

function OneWindowProvider(propertiesPanel, config) {
  this.getGroups = (element) => (groups) => {
    const entries = [];
    if (is(element, "bpmn:Lane")) {
      entries.push({ id: "ow-role", element, roles: config.roles, component: RoleEntry, isEdited: isSelectEntryEdited });
    }
    if (is(element, "bpmn:UserTask")) {
      entries.push({ id: "ow-form", element, forms: config.forms, label: "表单", component: FormEntry,
        isEdited: isSelectEntryEdited });
      entries.push({ id: "ow-due", element, component: DueEntry, isEdited: isTextFieldEntryEdited });
    }
    if (is(element, "bpmn:StartEvent") && element.parent && is(element.parent, "bpmn:Process")) {
      entries.push({ id: "ow-start-form", element, forms: config.forms, label: "申请表", component: FormEntry,
        isEdited: isSelectEntryEdited });
    }
    if (is(element, "bpmn:ScriptTask") && issueProperty(element)) {
      entries.push({ id: "ow-document", element, documents: config.documents, component: DocumentEntry,
        isEdited: isSelectEntryEdited });
    } else if (is(element, "bpmn:ScriptTask") && setsStatusOnly(element)) {
      entries.push({ id: "ow-status", element, statuses: config.statuses, component: StatusEntry,
        isEdited: isSelectEntryEdited });
    }
    const definitions = (element.businessObject && element.businessObject.eventDefinitions) || [];
    if (definitions.some((d) => d.$instanceOf("bpmn:TimerEventDefinition"))) {
      entries.push({ id: "ow-timer", element, component: TimerEntry, isEdited: isTextFieldEntryEdited });
    }
    if (is(element, "bpmn:SequenceFlow") && element.source && is(element.source, "bpmn:Gateway")) {
      entries.push({ id: "ow-condition", element, forms: config.forms, component: ConditionEntry,
        isEdited: isTextFieldEntryEdited });
    }
    const kept = groups.filter((g) => !HIDDEN.has(g.id));
    return entries.length ? [{ id: "onewindow", label: "一窗通办", entries }, ...kept] : kept;
  };
  propertiesPanel.registerProvider(400, this);  // after getGroups exists: the panel checks for it
}
OneWindowProvider.$inject = ["propertiesPanel", "config.oneWindow"];

export const OneWindowPanelModule = {
  __init__: ["oneWindowProvider"],
  oneWindowProvider: ["type", OneWindowProvider],
};
