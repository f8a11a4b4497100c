// Renders preview_model's nodes: one table per node, each value with the
// layer (coloured) and hook it came from, what it shadowed on hover or
// focus, clamps marked, and the change against the workflow alone.

import { h, clear, violationItem } from './dom.js';

// Leaf paths break after their dots and slashes, not letter by letter.
export function breakable(path) {
  const parts = path.split(/(?<=[./])/);
  return parts.flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

function shadowText(row) {
  if (!row.shadowed.length) return '';
  return 'shadowed: ' + row.shadowed.map((s) => `${s.value} (${s.source})`).join('; ');
}

function changeCell(row, withBaseline) {
  if (!withBaseline) return null;
  let text = '';
  if (row.change === 'changed') text = `was ${row.baseline}`;
  else if (row.change === 'new') text = 'new';
  return h('td', { class: `change change-${row.change}` }, text);
}

// A value fixed when the workflow was registered and not changed by the maps;
// "only what runtime sets" hides these.
function registered(row) {
  return (row.layer === 'TASK' || row.layer === 'COMPILED') && row.change === 'same';
}

export function renderNodes(container, model, options) {
  const withBaseline = !!(options && options.baseline);
  clear(container);
  if (!model.nodes.length) {
    container.appendChild(h('p', { class: 'hint' }, 'No task node is covered by a hook.'));
    return;
  }
  for (const node of model.nodes) {
    const table = h('table', { class: 'node-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'field'), h('th', { scope: 'col' }, 'value'), h('th', { scope: 'col' }, 'from'),
        withBaseline ? h('th', { scope: 'col' }, 'vs workflow alone') : null)),
      h('tbody', {}, ...node.rows.map((row) => {
        const shadow = shadowText(row);
        return h('tr', {
          class: `${row.clamped ? 'clamped ' : ''}${row.change !== 'same' ? 'differs ' : ''}${registered(row) ? 'registered' : ''}`,
          'data-field': row.field, 'data-layer': row.layer, 'data-hook': row.hook,
        },
        h('th', { scope: 'row', class: 'leaf' }, breakable(row.field)),
        h('td', { class: 'value' },
          h('span', { tabindex: shadow ? '0' : undefined, title: shadow || undefined, class: shadow ? 'has-shadow' : '' }, row.value),
          row.clamped ? h('span', { class: 'clamp-mark', title: 'lowered by the operator\'s policy' }, ' clamped') : null,
          shadow ? h('span', { class: 'shadowed' }, shadow) : null),
        h('td', {}, row.layer ? h('span', { class: `layer layer-${row.layer}` }, row.layer) : '',
          row.hook ? h('span', { class: 'source' }, ` ${row.source.slice(row.layer.length + 1)}`) : ''),
        changeCell(row, withBaseline));
      })));
    const summary = h('summary', {},
      h('strong', {}, node.nodePath), ` ${node.task}`, h('span', { class: 'hint' }, ` hooks ${node.hooks.join(', ')}`),
      withBaseline && node.changed ? h('span', { class: 'tag' }, `${node.changed} changed`) : null);
    const warnings = node.warnings.length ? h('ul', { class: 'warnings' }, ...node.warnings.map((w) => violationItem(w, 'warning'))) : null;
    container.appendChild(h('details', { class: 'node', open: true, 'data-node': node.nodePath }, summary, warnings,
      h('div', { class: 'table-scroll' }, table)));
  }
}
