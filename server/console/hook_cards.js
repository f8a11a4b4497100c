// One card per hook: what it covers, the author's defaults, what the policy
// allows, and the launch-plan and execution inputs side by side. Inputs write
// into the form state through `onInput`; nothing here talks to the server.

import { h } from './dom.js';
import { hookColour } from './graph_view.js';
import { LAYERS, RESOURCES, SCALAR_FIELDS, inputId, fixedRule, limitFor } from './override_form.js';
import { taskLabel } from './closure_graph.js';

function globMatches(glob, key) {
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(key);
}

export function protectedBy(policy, key) {
  return ((policy && policy.protectedEnvironment) || []).find((g) => globMatches(g, key)) || '';
}

function fieldRows() {
  const rows = [];
  for (const side of ['requests', 'limits']) {
    for (const r of RESOURCES) rows.push({ path: `resources.${side}.${r.key}`, label: `${r.label} ${side === 'requests' ? 'request' : 'limit'}`, kind: 'quantity' });
  }
  for (const f of SCALAR_FIELDS) rows.push({ path: f.path, label: f.label, kind: f.kind });
  return rows;
}

function policyFacts(policy) {
  if (!policy) return h('dd', {}, 'no policy configured');
  const parts = [];
  if ((policy.limits || []).length) {
    parts.push(h('div', {}, 'at most: ', ...policy.limits.map((l, i) => [i ? ', ' : '', h('code', {}, `${l.field} ${l.max}`), ` (${l.action})`])));
  }
  if ((policy.fixedFields || []).length) parts.push(h('div', {}, 'fixed: ', h('code', {}, policy.fixedFields.join(', '))));
  if ((policy.allowedImages || []).length) {
    parts.push(h('div', { class: 'allowed-images' }, 'images must match: ', ...policy.allowedImages.map((p, i) => [i ? ', ' : '', h('code', {}, p)])));
  }
  if ((policy.protectedEnvironment || []).length) {
    parts.push(h('div', { class: 'protected-env' }, 'protected environment: ', h('code', {}, policy.protectedEnvironment.join(', '))));
  }
  if (!parts.length) parts.push(h('div', {}, 'every field may be set'));
  return h('dd', { class: 'policy' }, ...parts);
}

function defaultsFacts(hook) {
  const items = [];
  for (const d of hook.declarations || []) {
    const doc = d.defaults && Object.keys(d.defaults).length ? JSON.stringify(d.defaults) : '(none)';
    items.push(h('div', {}, `at ${d.nodePath}: `, h('code', {}, doc)));
  }
  for (const [where, doc] of Object.entries(hook.workflowDefaults || {})) {
    items.push(h('div', {}, `set by workflow ${where || '(primary)'}: `, h('code', {}, JSON.stringify(doc))));
  }
  if (!items.length) items.push(h('div', {}, hook.implicit ? 'implicit hook: no defaults' : '(none)'));
  return h('dd', { class: 'defaults' }, ...items);
}

// ctx: {state, placeholders(hook) -> {values, env}, onInput()}
export function renderHookCards(container, hooks, ctx) {
  container.textContent = '';
  hooks.forEach((hook, index) => container.appendChild(card(hook, index, ctx)));
}

function card(hook, index, ctx) {
  const policy = hook.policy;
  const tasks = (hook.taskIds || []).map(taskLabel).join(', ');
  const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  swatch.style.background = hookColour(index);
  const article = h('article', { class: 'card', id: `hook-${hook.name}`, 'data-hook': hook.name },
    h('h3', {}, swatch, hook.name,
      hook.implicit ? h('span', { class: 'tag' }, 'implicit') : null),
    h('dl', { class: 'facts' },
      h('dt', {}, 'covers'), h('dd', { class: 'covers' }, (hook.nodePaths || []).join(', ') || 'no task node'),
      h('dt', {}, 'tasks'), h('dd', {}, tasks || '\u2014'),
      h('dt', {}, 'defaults'), defaultsFacts(hook),
      h('dt', {}, 'policy'), policyFacts(policy)),
    h('div', { class: 'hook-messages', id: `msg-${hook.name}` }));
  article.style.setProperty('--hook', hookColour(index));
  const placeholders = ctx.placeholders(hook.name);
  const grid = h('div', { class: 'grid', role: 'group', 'aria-label': `values for hook ${hook.name}` },
    h('div', { class: 'grid-head', 'aria-hidden': 'true' }, h('span', {}, 'field'), ...LAYERS.map((l) => h('span', {}, l.label))));
  for (const row of fieldRows()) {
    grid.appendChild(h('div', { class: 'grid-row', 'data-path': row.path },
      h('span', { class: 'fname' }, row.label, noteElement(hook.name, row.path, policy)),
      ...LAYERS.map((layer) => fieldCell(hook, layer, row, policy, placeholders, ctx))));
  }
  grid.appendChild(h('div', { class: 'grid-row env-row', 'data-path': 'environment' },
    h('span', { class: 'fname' }, 'environment'),
    ...LAYERS.map((layer) => envCell(hook, layer, policy, placeholders, ctx))));
  article.appendChild(grid);
  return article;
}

function noteId(hook, path) {
  return `note-${hook}-${path}`;
}

// What the operator's policy says about one field, shown once beside the
// field's name (both layers' inputs point at it with aria-describedby).
function rowNote(policy, path) {
  const notes = [];
  const fixed = fixedRule(policy, path);
  const limit = limitFor(policy, path);
  if (fixed) notes.push(`fixed by the operator's policy (fixed_fields: ${fixed}): runtime layers may not set or remove it`);
  if (limit) notes.push(`at most ${limit.max} (${limit.action === 'clamp' ? 'higher values are clamped' : 'higher values are refused'})`);
  if (path === 'container_image' && policy && (policy.allowedImages || []).length) {
    notes.push(`must match ${policy.allowedImages.join(' or ')}`);
  }
  return notes.join('; ');
}

function noteElement(hook, path, policy) {
  const text = rowNote(policy, path);
  return text ? h('span', { class: `policy-note${fixedRule(policy, path) ? ' fixed' : ''}`, id: noteId(hook, path) }, text) : null;
}

function placeholderFor(placeholders, path) {
  const v = placeholders.values[path];
  return v === undefined ? '' : v;
}

function fieldCell(hook, layer, row, policy, placeholders, ctx) {
  const id = inputId(layer.key, hook.name, row.path);
  const form = (ctx.state.layers[layer.key][hook.name]) || { values: {}, unset: [], env: [] };
  const fixed = fixedRule(policy, row.path);
  const value = form.values[row.path] ?? '';
  const isUnset = form.unset.includes(row.path);
  const described = `${id}-msg${rowNote(policy, row.path) ? ` ${noteId(hook.name, row.path)}` : ''}`;
  const label = h('label', { for: id, class: 'cell-label' }, `${layer.label}: ${row.label}`);
  const ph = placeholderFor(placeholders, row.path);
  let input;
  if (row.kind === 'bool') {
    input = h('select', { id, 'aria-describedby': described, disabled: !!fixed || isUnset },
      h('option', { value: '' }, ph === '' ? '(inherit)' : `(inherit: ${ph})`),
      h('option', { value: 'true', selected: value === 'true' }, 'true'),
      h('option', { value: 'false', selected: value === 'false' }, 'false'));
  } else if (row.kind === 'json') {
    input = h('textarea', { id, rows: 2, spellcheck: 'false', placeholder: ph, 'aria-describedby': described, disabled: !!fixed || isUnset, value });
  } else {
    input = h('input', {
      id, type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: ph, value,
      inputmode: row.kind === 'integer' ? 'numeric' : undefined,
      'aria-describedby': described, disabled: !!fixed || isUnset,
    });
  }
  input.dataset.layer = layer.key;
  input.dataset.hook = hook.name;
  input.dataset.path = row.path;
  input.addEventListener('input', () => ctx.onValue(layer.key, hook.name, row.path, input.value));
  input.addEventListener('change', () => ctx.onValue(layer.key, hook.name, row.path, input.value));
  const unsetId = `${id}-unset`;
  const unset = h('input', { type: 'checkbox', id: unsetId, checked: isUnset, disabled: !!fixed });
  unset.addEventListener('change', () => {
    input.disabled = unset.checked || !!fixed;
    ctx.onUnset(layer.key, hook.name, row.path, unset.checked);
  });
  return h('div', { class: `cell${fixed ? ' fixed' : ''}` },
    label, input,
    h('span', { class: 'unset' }, unset, h('label', { for: unsetId }, 'unset', h('span', { class: 'sr-only' }, ` ${layer.label.toLowerCase()} ${row.label}`))),
    h('div', { class: 'field-msg', id: `${id}-msg` }));
}

function envCell(hook, layer, policy, placeholders, ctx) {
  const id = inputId(layer.key, hook.name, 'environment');
  const form = (ctx.state.layers[layer.key][hook.name]) || { values: {}, unset: [], env: [] };
  const fixed = fixedRule(policy, 'environment');
  const rows = form.env.map((r) => ({ ...r }));
  const list = h('div', { class: 'env-list' });
  const msg = h('div', { class: 'field-msg', id: `${id}-msg` });
  const commit = () => ctx.onEnv(layer.key, hook.name, rows.map((r) => ({ ...r })));
  const draw = () => {
    list.textContent = '';
    rows.forEach((row, i) => {
      const base = `${id}-${i}`;
      const key = h('input', { id: `${base}-key`, value: row.key, autocomplete: 'off', spellcheck: 'false', disabled: !!fixed, 'aria-describedby': `${id}-msg`, 'data-env-key': row.key });
      const value = h('input', { id: `${base}-value`, value: row.value, autocomplete: 'off', spellcheck: 'false', disabled: !!fixed || row.remove });
      const remove = h('input', { type: 'checkbox', id: `${base}-remove`, checked: row.remove, disabled: !!fixed });
      const note = h('div', { class: 'policy-note' });
      const protect = () => {
        const glob = row.key ? protectedBy(policy, row.key) : '';
        note.textContent = glob ? `protected by the operator's policy (${glob}): runtime layers may not set or remove it` : '';
      };
      key.addEventListener('input', () => { row.key = key.value; key.dataset.envKey = key.value; protect(); commit(); });
      value.addEventListener('input', () => { row.value = value.value; commit(); });
      remove.addEventListener('change', () => { row.remove = remove.checked; value.disabled = remove.checked; commit(); });
      const drop = h('button', { type: 'button', class: 'small', 'aria-label': `delete variable ${i + 1} of the ${layer.label.toLowerCase()} layer` }, '\u00d7');
      drop.addEventListener('click', () => { rows.splice(i, 1); draw(); commit(); });
      protect();
      list.appendChild(h('div', { class: 'env-pair' },
        h('label', { for: `${base}-key`, class: 'mini' }, 'key'), key,
        h('label', { for: `${base}-value`, class: 'mini' }, 'value'), value,
        h('span', { class: 'unset' }, remove, h('label', { for: `${base}-remove` }, 'unset')), drop, note));
    });
  };
  draw();
  const inherited = Object.entries(placeholders.envValues || {}).map(([k, v]) => `${k}=${v}`).join(', ');
  const add = h('button', { type: 'button', id, class: 'small', disabled: !!fixed, 'aria-describedby': `${id}-msg` }, `Add variable (${layer.label.toLowerCase()})`);
  add.dataset.layer = layer.key;
  add.dataset.hook = hook.name;
  add.dataset.path = 'environment';
  add.addEventListener('click', () => {
    rows.push({ key: '', value: '', remove: false });
    draw();
    list.querySelector('.env-pair:last-child input')?.focus();
  });
  return h('div', { class: `cell env${fixed ? ' fixed' : ''}` },
    list, add,
    inherited ? h('div', { class: 'hint' }, `inherited: ${inherited}`) : null,
    fixed ? h('div', { class: 'policy-note' }, `fixed by the operator's policy (fixed_fields: ${fixed})`) : null,
    msg);
}
