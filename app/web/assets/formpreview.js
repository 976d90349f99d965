// The preview beside the form editor: the form as a clerk will see it (the task pages' viewer),
// and 试提交 checks what was filled with the server's own rules, errors shown at their fields.
import { Form } from "@bpmn-io/form-js-viewer";
import { formTranslations, localiseFixedWords } from "./form-zh.js";


export function idsByKey(components, out = {}) {
  (components || []).forEach((c) => {
    if (c.key) out[c.key] = c.id;
    idsByKey(c.components, out);
  });
  return out;
}

// `call(method, path, body)` reaches the draft's API; the option lists come from the server
// (sample materials, and those the draft's scripts build, e.g. acceptance_outcomes).
export function formPreview(container, status, call) {
  const form = new Form({ container, additionalModules: [formTranslations] });
  localiseFixedWords(container);
  let schema = null;
  let key = null;
  let options = null;
  return {
    async show(formKey, next) {
      key = formKey;
      schema = next;
      if (!options) options = ((await call("GET", "preview-data")).data || {}).options || {};
      await form.importSchema(schema, options);
      status.textContent = "";
      container.dataset.ready = formKey;
    },
    async check() {
      const { data } = form.submit();
      const { status: code, data: body } = await call("POST", `forms/${encodeURIComponent(key)}/try`, { data });
      const byKey = idsByKey(schema.components);
      const fieldErrors = {};
      const general = [];
      Object.entries(body.errors || {}).forEach(([field, messages]) => {
        if (byKey[field]) fieldErrors[byKey[field]] = messages; else general.push(...messages);
      });
      form._setState({ errors: fieldErrors });
      status.className = code === 200 ? "ok" : "error";
      status.textContent = code === 200 ? "服务器校验通过" : (body.message || "校验未通过") + (general.length ? "：" + general.join("；") : "");
    },
  };
}
