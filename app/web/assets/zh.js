// Chinese for the modeler's palette, context pad and properties panel (bpmn-js `translate`
// service): the labels a process designer works with; anything not listed stays in English.
const ZH = {
  // the 更改类型 (replace) menu and the popup menus: every element type by name
  "Ad-hoc sub-process (collapsed)": "自由子流程（折叠）", "Ad-hoc sub-process (expanded)": "自由子流程（展开）", "Ad-hoc sub-process": "自由子流程",
  "Boundary event": "边界事件", "Business rule task": "业务规则任务", "Call activity": "调用活动",
  "Cancel boundary event": "取消边界事件", "Cancel end event": "取消结束事件", "Compensation boundary event": "补偿边界事件",
  "Compensation end event": "补偿结束事件", "Compensation intermediate throw event": "补偿中间抛出事件", "Compensation start event": "补偿开始事件",
  "Complex gateway": "复杂网关", "Conditional boundary event (non-interrupting)": "条件边界事件（不中断）", "Conditional boundary event": "条件边界事件",
  "Conditional intermediate catch event": "条件中间捕获事件", "Conditional start event (non-interrupting)": "条件开始事件（不中断）", "Conditional start event": "条件开始事件",
  "Data object reference": "数据对象", "Data store reference": "数据存储", "Empty pool/participant": "空泳池",
  "End event": "结束事件", "Error boundary event": "错误边界事件", "Error end event": "错误结束事件",
  "Error start event": "错误开始事件", "Escalation boundary event (non-interrupting)": "升级边界事件（不中断）", "Escalation boundary event": "升级边界事件",
  "Escalation end event": "升级结束事件", "Escalation intermediate throw event": "升级中间抛出事件", "Escalation start event (non-interrupting)": "升级开始事件（不中断）",
  "Escalation start event": "升级开始事件", "Event sub-process": "事件子流程", "Event-based gateway": "事件网关",
  "Exclusive gateway": "排他网关", "Expanded pool/participant": "展开的泳池", "Inclusive gateway": "包容网关",
  "Intermediate throw event": "中间抛出事件", "Link intermediate catch event": "链接中间捕获事件", "Link intermediate throw event": "链接中间抛出事件",
  "Manual task": "手工任务", "Message boundary event (non-interrupting)": "消息边界事件（不中断）", "Message boundary event": "消息边界事件",
  "Message end event": "消息结束事件", "Message intermediate catch event": "消息中间捕获事件", "Message intermediate throw event": "消息中间抛出事件",
  "Message start event (non-interrupting)": "消息开始事件（不中断）", "Message start event": "消息开始事件", "Parallel gateway": "并行网关",
  "Receive task": "接收任务", "Script task": "脚本任务", "Send task": "发送任务",
  "Service task": "服务任务", "Signal boundary event (non-interrupting)": "信号边界事件（不中断）", "Signal boundary event": "信号边界事件",
  "Signal end event": "信号结束事件", "Signal intermediate catch event": "信号中间捕获事件", "Signal intermediate throw event": "信号中间抛出事件",
  "Signal start event (non-interrupting)": "信号开始事件（不中断）", "Signal start event": "信号开始事件", "Start event": "开始事件",
  "Sub-process (collapsed)": "子流程（折叠）", "Sub-process (expanded)": "子流程（展开）", "Sub-process": "子流程",
  "Terminate end event": "终止结束事件", "Timer boundary event (non-interrupting)": "定时边界事件（不中断）", "Timer boundary event": "定时边界事件",
  "Timer intermediate catch event": "定时中间捕获事件", "Timer start event (non-interrupting)": "定时开始事件（不中断）", "Timer start event": "定时开始事件",
  "Transaction": "事务子流程", "User task": "用户任务", "Conditional flow": "条件顺序流",
  "Default flow": "默认顺序流", "Event based instantiating Gateway": "实例化事件网关", "Parallel Event based instantiating Gateway": "并行实例化事件网关",
  "Sequence flow": "顺序流", "Parallel multi-instance": "并行多实例", "Sequential multi-instance": "串行多实例",
  "Loop": "循环", "Collection": "集合", "Search in diagram": "在图中搜索",
  // palette and context pad
  "Activate hand tool": "手形工具", "Activate lasso tool": "套索工具", "Activate create/remove space tool": "空间工具",
  "Activate global connect tool": "连接工具", "Create start event": "开始事件", "Create intermediate/boundary event": "中间/边界事件",
  "Create end event": "结束事件", "Create gateway": "网关", "Create task": "任务", "Create data object reference": "数据对象",
  "Create data store reference": "数据存储", "Create expanded sub-process": "子流程", "Create pool/participant": "泳池",
  "Create group": "分组", "Append end event": "追加结束事件", "Append gateway": "追加网关", "Append task": "追加任务",
  "Append intermediate/boundary event": "追加中间事件", "Change element": "更改类型", "Delete": "删除",
  "Connect using sequence flow": "顺序流连接", "Connect using association": "关联连接", "Add text annotation": "添加注释",
  "Add lane above": "在上方添加泳道", "Add lane below": "在下方添加泳道", "Divide into two lanes": "拆分为两个泳道",
  "Divide into three lanes": "拆分为三个泳道",
  // properties panel
  "General": "常规", "Name": "名称", "ID": "ID", "Documentation": "说明", "Element documentation": "元素说明",
  "Process documentation": "流程说明", "Extension properties": "扩展属性", "Forms": "表单", "Form key": "表单键（formKey）",
  "Form type": "表单类型", "Type": "类型", "Value": "值", "Script": "脚本", "Inline script": "内联脚本", "Format": "脚本语言",
  "Result variable": "结果变量", "Condition": "条件", "Condition type": "条件类型", "Expression": "表达式",
  "Timer": "定时器", "Date": "日期", "Duration": "时长", "Cycle": "循环", "Due date": "办理期限（dueDate）",
  "Follow up date": "跟进日期", "Priority": "优先级", "User assignment": "办理人", "Assignee": "办理人",
  "Candidate groups": "候选组", "Candidate users": "候选人", "Message": "消息", "Global message reference": "消息引用",
  "Implementation": "实现方式", "Inputs": "输入", "Outputs": "输出", "Execution listeners": "执行监听器",
  "Task listeners": "任务监听器", "Asynchronous continuations": "异步", "Job execution": "作业执行", "Version tag": "版本标签",
  "Executable": "可执行", "Process ID": "流程 ID", "Process name": "流程名称", "Multi-instance": "多实例", "Retries": "重试次数",
  "Called element": "被调用元素", "Error": "错误", "Escalation": "升级", "Signal": "信号", "<none>": "<无>", "<empty>": "<空>",
  "Create new ...": "新建…", "Learn more.": "了解更多。",
  // bpmnlint's button and overlays (bpmn-js-bpmnlint)
  "{errors} Errors, {warnings} Warnings": "{errors} 个错误，{warnings} 个提醒", "No Issues": "建模检查通过",
  "Issues for child elements": "子元素的问题", "Toggle linting overlays": "显示或隐藏建模检查",
  "User Task": "用户任务", "Script Task": "脚本任务", "Exclusive Gateway": "排他网关", "Parallel Gateway": "并行网关",
  "Start Event": "开始事件", "End Event": "结束事件", "Lane": "泳道", "Sequence Flow": "顺序流", "Sub Process": "子流程",
  "Intermediate Catch Event": "中间捕获事件", "Boundary Event": "边界事件", "Participant": "泳池", "Task": "任务",
  "Collaboration": "协作图", "Process": "流程", "Message Intermediate Catch Event": "消息中间捕获事件",
  "Timer Intermediate Catch Event": "定时中间捕获事件", "Message Boundary Event": "消息边界事件", "Message Start Event": "消息开始事件", "Timer Boundary Event": "定时边界事件",
};

export function translate(template, replacements) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}

export default { translate: ["value", translate] };
