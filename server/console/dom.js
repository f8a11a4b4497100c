// Small helpers for building the page's elements without innerHTML, so no
// value from a closure or a server message is ever read as markup.

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'value') node.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden' || k === 'open') node[k] = !!v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function clear(node) {
  node.textContent = '';
  return node;
}

// A message the server sent, shown as sent: its text, then each violation
// with its field, reason and description.
export function violationItem(v, kind) {
  return h('li', { class: kind || 'violation' },
    v.reason ? h('code', { class: 'reason' }, v.reason) : null, ' ',
    v.field ? h('code', { class: 'vfield' }, v.field) : null, v.field ? ': ' : '',
    h('span', { class: 'description' }, v.description || ''));
}

export function setStatus(node, kind, text) {
  node.className = `status ${kind || ''}`;
  node.textContent = text || '';
}
