// The palette's OneWindow building blocks: the steps every service item has, made the way the
// platform reads them — 受理审查, 等待补正 (the supplement message), 审查决定, 出件 with their
// shipped forms and working-day due dates, 置办件状态 (a script setting case_status) and 出具文书
// (a script task whose issueDocument property names the document the platform draws and seals).
const BLOCKS = [
  { id: "acceptance", title: "受理审查（一次性告知、容缺、不予受理）", type: "bpmn:UserTask", icon: "bpmn-icon-user-task",
    attrs: { name: "受理审查", "camunda:formKey": "front_desk_acceptance", "camunda:dueDate": "workdays(1)" } },
  { id: "decision", title: "审查并作出决定", type: "bpmn:UserTask", icon: "bpmn-icon-user-task",
    attrs: { name: "审查并作出决定", "camunda:formKey": "back_office_review", "camunda:dueDate": "workdays(20)" } },
  { id: "delivery", title: "综合窗口出件（窗口领取、邮寄、网上送达）", type: "bpmn:UserTask", icon: "bpmn-icon-user-task",
    attrs: { name: "综合窗口出件", "camunda:formKey": "window_delivery" } },
  { id: "supplement", title: "等待申请人补正材料（平台发送 supplement 消息）", type: "bpmn:IntermediateCatchEvent",
    icon: "bpmn-icon-intermediate-event-catch-message", attrs: { name: "收到补正材料" }, message: "supplement" },
  { id: "status", title: "置办件状态（脚本：case_status）", type: "bpmn:ScriptTask", icon: "bpmn-icon-script-task",
    attrs: { name: "置办件状态", scriptFormat: "python", script: 'case_status = "under_review"' } },
  { id: "document", title: "出具文书（平台按所选文书出具、盖章并送达）", type: "bpmn:ScriptTask", icon: "bpmn-icon-script-task",
    attrs: { name: "出具受理凭证", scriptFormat: "python", script: "pass" },
    properties: { issueDocument: "acceptance_receipt" } },
];

function BlocksPalette(palette, create, elementFactory, bpmnFactory, canvas, config) {
  const message = (name) => {
    const definitions = canvas.getRootElement().businessObject.$parent;
    let found = (definitions.rootElements || []).find((e) => e.$type === "bpmn:Message" && e.name === name);
    if (!found) {
      found = bpmnFactory.create("bpmn:Message", { name });
      found.$parent = definitions;
      definitions.get("rootElements").push(found);
    }
    return found;
  };
  const start = (block) => (event) => {
    const attrs = { ...block.attrs };
    if (block.message) {
      attrs.eventDefinitions = [bpmnFactory.create("bpmn:MessageEventDefinition", { messageRef: message(block.message) })];
    }
    if (block.properties) {  // camunda:properties the platform reads (e.g. issueDocument)
      const values = Object.entries(block.properties).map(([name, value]) =>
        bpmnFactory.create("camunda:Property", { name, value }));
      attrs.extensionElements = bpmnFactory.create("bpmn:ExtensionElements",
        { values: [bpmnFactory.create("camunda:Properties", { values })] });
    }
    const businessObject = bpmnFactory.create(block.type, attrs);
    (attrs.eventDefinitions || []).forEach((d) => { d.$parent = businessObject; });
    const shape = elementFactory.createShape({ type: block.type, businessObject });
    if (attrs["camunda:formKey"]) config.useForm(attrs["camunda:formKey"]);
    create.start(event, shape);
  };
  this.getPaletteEntries = () => {
    const entries = { "ow-separator": { group: "onewindow", separator: true } };
    BLOCKS.forEach((block) => {
      entries[`ow-${block.id}`] = { group: "onewindow", className: `${block.icon} ow-block`, title: block.title,
        action: { dragstart: start(block), click: start(block) } };
    });
    return entries;
  };
  palette.registerProvider(this);
}
BlocksPalette.$inject = ["palette", "create", "elementFactory", "bpmnFactory", "canvas", "config.oneWindow"];

export const BlocksModule = { __init__: ["oneWindowBlocks"], oneWindowBlocks: ["type", BlocksPalette] };
