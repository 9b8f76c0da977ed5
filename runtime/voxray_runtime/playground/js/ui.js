// Small DOM helpers shared by the panels (no framework; no inline styles or scripts).

/** el("button", {class: "x", type: "button"}, "text", child...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let announceTimer = 0;

/** Say a status change to screen readers (the page's polite live region). */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    region.textContent = message;
  }, 30);
}

/** A labelled <select> with options [{value, label}]. */
export function select(id, label, options, value) {
  const box = el("select", { id, name: id });
  setOptions(box, options, value);
  return [el("label", { for: id }, label), box];
}

export function setOptions(box, options, value) {
  const keep = value !== undefined ? value : box.value;
  box.replaceChildren(...options.map((o) => el("option", { value: o.value }, o.label)));
  if (options.some((o) => o.value === keep)) box.value = keep;
  box.disabled = options.length <= 1 && options.every((o) => o.value === "");
}

export function fallbackBadge(reason) {
  return el("span", { class: "badge fallback", title: reason || "", "data-testid": "fallback-badge" }, "fallback");
}

export function trueBadge() {
  return el("span", { class: "badge true" }, "true voice");
}

export function seconds(s) {
  return s === null || s === undefined || Number.isNaN(s) ? "" : `${Number(s).toFixed(1)} s`;
}
