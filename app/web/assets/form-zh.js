// Chinese for the task form viewer (@bpmn-io/form-js-viewer's `translate` service): its
// validation messages and the few words its components show. Unlisted text stays as written.
const ZH = {
  "Field is required.": "此项必填。",
  "Field must have minimum value of {value}.": "不能小于 {value}。",
  "Field must have maximum value of {value}.": "不能大于 {value}。",
  "Field must have minimum length of {value}.": "至少 {value} 个字符。",
  "Field must have maximum length of {value}.": "不超过 {value} 个字符。",
  "Field must match pattern {value}.": "格式不正确。",
  "Field must be a valid email.": "请填写正确的电子邮箱。",
  "Field must be a valid international phone number. (e.g. +4930664040900)": "请填写正确的电话号码。",
  "Value is not a number.": "请填写数字。",
  "Value is expected to be an integer.": "请填写整数。",
  "Value is expected to have at most 1 decimal digit.": "最多 1 位小数。",
  "Value is expected to have at most {value} decimal digits.": "最多 {value} 位小数。",
  "Please select a valid value, the two nearest valid values are {previousValue} and {nextValue}.":
    "请填写有效值，最接近的有效值为 {previousValue} 和 {nextValue}。",
  "Min validation value is not a valid number.": "表单的最小值设置有误，请联系流程设计人员。",
  "Max validation value is not a valid number.": "表单的最大值设置有误，请联系流程设计人员。",
  "Date and time must both be entered.": "日期和时间都需要填写。",
  "Search": "搜索", "Skip to search": "跳到搜索", "Add new": "添加", "Remove tag": "移除",
  "All values selected": "已全部选择", "Nothing to show.": "暂无内容。", "No content to show.": "暂无内容。",
  "Increment": "增加", "Decrement": "减少", "Collapse": "收起", "Expand all ({value})": "全部展开（{value}）",
  "Next page": "下一页", "Previous page": "上一页", "{page} of {total}": "第 {page} 页，共 {total} 页",
  "No files selected": "未选择文件", "{value} files selected": "已选择 {value} 个文件",
  "Click to sort by {value} ascending": "按{value}升序排列", "Click to sort by {value} descending": "按{value}降序排列",
  "Click to remove sorting": "取消排序", "Unable to download document": "文件无法下载",
  "Document reference is not defined.": "未设置文件引用。", "Download {fileName}": "下载 {fileName}",
};

export function translate(template, replacements = {}) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (whole, key) => (key in replacements ? replacements[key] : whole));
}

export const formTranslations = { translate: ["value", translate] };

// Words the viewer writes without its translate service: the empty select's "Select" and the
// searchable select's "Search" placeholder. Put into Chinese whenever the form redraws.
const FIXED = { Select: "请选择", Search: "搜索" };

function localise(root) {
  root.querySelectorAll(".fjs-select-placeholder").forEach((el) => {
    if (FIXED[el.textContent]) el.textContent = FIXED[el.textContent];
  });
  root.querySelectorAll("input[placeholder]").forEach((el) => {
    if (FIXED[el.placeholder]) el.placeholder = FIXED[el.placeholder];
  });
}

export function localiseFixedWords(container) {
  localise(container);
  new MutationObserver(() => localise(container)).observe(container, { childList: true, subtree: true, characterData: true });
}
