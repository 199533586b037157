// Building DOM without innerHTML: every piece of data becomes a text node.

/**
 * h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child) → an element. Attributes set
 * with setAttribute (`on…` keys become listeners; false/null/undefined are skipped); strings and
 * numbers become text nodes; arrays are flattened; null/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value') el.value = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A short, local date-time ("2025-03-01 14:05"). */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Shorter: "14:05" today, else "03-01 14:05". */
export function whenShort(iso) {
  const full = when(iso);
  const today = when(new Date().toISOString()).slice(0, 10);
  return full.startsWith(today) ? full.slice(11) : full.slice(5);
}
