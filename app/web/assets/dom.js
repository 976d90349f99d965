// Building page elements without innerHTML (no markup from data, nothing for the CSP to refuse):
// el("p", { class: "meta", text: "…" }, child, [children]).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  });
  children.flat().forEach((c) => c && node.append(c));
  return node;
}
