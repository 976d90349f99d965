// The process diagram of a case (bpmn-js viewer): completed steps and the current position
// highlighted. Data comes from the page: <div id="diagram" data-xml-url data-done data-active>.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

async function show(container) {
  const viewer = new NavigatedViewer({ container });
  const xml = await (await fetch(container.dataset.xmlUrl, { credentials: "same-origin" })).text();
  await viewer.importXML(xml);
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  canvas.zoom("fit-viewport", "auto");
  const mark = (ids, marker) => ids.forEach((id) => registry.get(id) && canvas.addMarker(id, marker));
  mark(JSON.parse(container.dataset.done || "[]"), "ow-done");
  mark(JSON.parse(container.dataset.active || "[]"), "ow-active");
  container.dataset.ready = "true";
}

document.querySelectorAll("[data-xml-url]").forEach((el) => show(el).catch((err) => {
  el.textContent = "流程图加载失败：" + err.message;
}));
