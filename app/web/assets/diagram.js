// The process diagram of a case (bpmn-js viewer): completed steps and the current position
// highlighted. Data comes from the page: <div id="diagram" data-xml-url data-done data-active
// data-lane-labels>. Lanes named by a role code are shown with the role's Chinese name.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";

function withLaneLabels(xml, labels) {
  const doc = new DOMParser().parseFromString(xml, "application/xml");  // no DTD or entities are fetched
  if (doc.getElementsByTagName("parsererror").length) return xml;
  let changed = false;
  for (const lane of doc.getElementsByTagNameNS(BPMN, "lane")) {
    const label = labels[(lane.getAttribute("name") || "").trim()];
    if (label) { lane.setAttribute("name", label); changed = true; }
  }
  return changed ? new XMLSerializer().serializeToString(doc) : xml;
}

async function show(container) {
  const viewer = new NavigatedViewer({ container });
  const response = await fetch(container.dataset.xmlUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const xml = withLaneLabels(await response.text(), JSON.parse(container.dataset.laneLabels || "{}"));
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
  console.error(err);  // the detail for whoever looks; the clerk gets a sentence
  el.textContent = "流程图暂时无法显示，请刷新页面重试。";
}));
