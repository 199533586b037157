// Accessible tabs (WAI-ARIA tabs pattern): a tablist of buttons, arrow keys and Home/End move
// between tabs, each tab shows one panel. A panel's `onShow` runs each time it is shown (e.g. to
// load fresh data).

import { h } from './dom.js';

/**
 * tabs('side', [{ id: 'memory', label: 'Memory', panel: el, onShow }]) → { root, show(id) }.
 * The first tab is shown at first.
 */
export function tabs(name, items) {
  const buttons = [];
  const panels = [];
  const list = h('div', { class: 'tablist', role: 'tablist', 'aria-label': name });
  let current = null;
  const show = (id, focus = false) => {
    current = id;
    items.forEach((item, i) => {
      const selected = item.id === id;
      buttons[i].setAttribute('aria-selected', String(selected));
      buttons[i].tabIndex = selected ? 0 : -1;
      panels[i].hidden = !selected;
      if (selected && focus) buttons[i].focus();
    });
    items.find((item) => item.id === id)?.onShow?.();
  };
  items.forEach((item, i) => {
    const button = h(
      'button',
      { type: 'button', role: 'tab', id: `tab-${item.id}`, 'aria-controls': `tabpanel-${item.id}`, class: 'tab' },
      item.label,
    );
    button.addEventListener('click', () => show(item.id));
    button.addEventListener('keydown', (event) => {
      const last = items.length - 1;
      const to = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      show(items[to].id, true);
    });
    buttons.push(button);
    list.appendChild(button);
    panels.push(h('div', { role: 'tabpanel', id: `tabpanel-${item.id}`, 'aria-labelledby': `tab-${item.id}`, class: 'tabpanel', tabindex: 0 }, item.panel));
  });
  show(items[0].id);
  return { root: h('div', { class: 'tabs' }, list, panels), show, current: () => current };
}
