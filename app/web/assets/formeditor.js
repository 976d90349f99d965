// The form editor of the modeler's workspace: bpmn.io's form-js editor, offering only the field
// types the server validates (app/taskforms/schema.py), named in Chinese. form-js-editor 1.x has
// no translation service, so its fixed English words (palette groups, the properties panel) are
// put into Chinese by a small dictionary as they are drawn.
import { FormEditor } from "@bpmn-io/form-js-editor";

// field type -> its Chinese name; every other type leaves the palette
const FIELDS = {
  textfield: "单行文本", textarea: "多行文本", number: "数字", datetime: "日期时间",
  checkbox: "勾选框", checklist: "多选框组", radio: "单选按钮组", select: "下拉选择", taglist: "标签多选",
  text: "说明文字", separator: "分隔线", spacer: "空白间距", group: "分组",
};

const WORDS = {
  Input: "输入", Selection: "选择", Presentation: "展示", Containers: "容器", Action: "操作",
  "Search components": "搜索组件", Components: "组件", "No components found.": "没有匹配的组件。",
  General: "常规", Label: "标签", "Field label": "字段标签", "Binds to a form variable": "对应流程变量",
  "Must be unique": "必须唯一", Select: "请选择", "Group label": "分组标题", "Text view": "说明文字", Key: "键（变量名）", ID: "ID", Description: "说明", "Field description": "字段说明",
  "Default value": "默认值", Required: "必填", Validation: "校验", "Minimum length": "最少字符数",
  "Maximum length": "最多字符数", Minimum: "最小值", Maximum: "最大值", "Read only": "只读", Disabled: "禁用",
  Options: "选项", "Options source": "选项来源", "Static options": "固定选项", "Input values key": "选项变量",
  "Dynamic options": "动态选项", Value: "值", Text: "文字", Condition: "条件", "Hide if": "隐藏条件",
  Layout: "布局", Columns: "列宽", Appearance: "外观", Prefix: "前缀", Suffix: "后缀", Serialization: "存储格式",
  "Output as string": "以文本存储", Increment: "步长", Decimal: "小数位", "Decimal digits": "小数位数",
  Subtype: "子类型", "Date label": "日期标签", "Time label": "时间标签", "Use 24h": "24 小时制",
  "Disallow past dates": "不允许过去的日期", Searchable: "可搜索", "Show outline": "显示边框",
  Height: "高度", "Custom properties": "自定义属性", "Validation pattern": "校验模式", Custom: "自定义",
  "Custom regular expression": "自定义正则表达式", "Custom error message": "自定义错误提示",
  "Not checked": "未勾选", Checked: "已勾选", Email: "电子邮件", Phone: "电话",
};

function translateTree(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (WORDS[text]) node.nodeValue = node.nodeValue.replace(text, WORDS[text]);
  }
  root.querySelectorAll("input[placeholder]").forEach((el) => {
    if (WORDS[el.placeholder]) el.placeholder = WORDS[el.placeholder];
  });
  root.querySelectorAll("[title^='Create a']").forEach((el) => {  // the palette's tooltips
    const named = /^Create an? (.+) element$/.exec(el.title);
    if (named) el.title = `添加“${named[1]}”字段`;
  });
}

// Before the palette is drawn: only what the server validates, in Chinese.
function OwChineseFields(formFields) {
  Object.keys(formFields._formFields).forEach((type) => {
    if (type === "default") return;
    if (!FIELDS[type]) { delete formFields._formFields[type]; return; }
    const { config } = formFields._formFields[type];
    config.name = FIELDS[type];
    config.label = FIELDS[type];
  });
}
OwChineseFields.$inject = ["formFields"];  // named: the bundle is minified

const ChineseFields = { __init__: ["owChineseFields"], owChineseFields: ["type", OwChineseFields] };

export async function formEditor(container, schema, onChange) {
  const editor = new FormEditor({ container, additionalModules: [ChineseFields] });
  await editor.importSchema(schema);
  translateTree(container);
  new MutationObserver(() => translateTree(container)).observe(container, { childList: true, subtree: true });
  editor.on("changed", () => onChange(editor.saveSchema()));
  return editor;
}

export function blankForm(key) {
  return { type: "default", id: key, components: [], schemaVersion: 16 };
}
