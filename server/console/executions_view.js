// The recorded-executions view: list (project, domain, paging), open one
// (GetResolved with explain) and compare two with execution_diff.

import * as api from './api.js';
import { h, clear, setStatus, violationItem } from './dom.js';
import { previewModel } from './preview_model.js';
import { renderNodes, breakable } from './preview_view.js';
import { diffExecutions, diffJson } from './execution_diff.js';

const $ = (id) => document.getElementById(id);

function errorText(e) {
  return e.status ? `${e.message} (HTTP ${e.status}${e.code ? ' ' + e.code : ''})` : e.message;
}

function showError(statusNode, messagesNode, e) {
  setStatus(statusNode, 'error', errorText(e));
  if (messagesNode) {
    clear(messagesNode);
    if (e.violations && e.violations.length) {
      messagesNode.appendChild(h('ul', { class: 'violations' }, ...e.violations.map((v) => violationItem(v))));
    }
  }
}

export function setupExecutions() {
  let pageToken = '';
  let tokens = [];
  const chosen = [];

  const scope = () => ({ project: $('list-project').value.trim(), domain: $('list-domain').value.trim() });

  async function list(token) {
    const { project, domain } = scope();
    if (!project || !domain) {
      setStatus($('list-status'), 'error', 'Give a project and a domain.');
      return;
    }
    setStatus($('list-status'), 'loading', 'Loading\u2026');
    $('list-button').disabled = true;
    try {
      const size = Number($('list-page-size').value) || 20;
      const answer = await api.listExecutions(project, domain, size, token);
      const rows = answer.executions || [];
      tokens = rows.map((r) => r.executionId.name);
      const body = clear($('executions').querySelector('tbody'));
      for (const row of rows) {
        const name = row.executionId.name;
        const pick = h('input', { type: 'checkbox', id: `pick-${name}`, checked: chosen.includes(name) });
        pick.addEventListener('change', () => choose(name, pick.checked));
        body.appendChild(h('tr', { 'data-execution': name },
          h('th', { scope: 'row' }, name),
          h('td', {}, row.createdAt || ''), h('td', {}, row.expiresAt || ''),
          h('td', {}, (row.overriddenHooks || []).join(', ') || '\u2014'),
          h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => open(name) , 'aria-label': `open ${name}` }, 'Open')),
          h('td', {}, pick, h('label', { for: `pick-${name}` }, h('span', { class: 'sr-only' }, `compare ${name}`), ' compare'))));
      }
      $('executions').hidden = rows.length === 0;
      pageToken = answer.nextPageToken || '';
      $('next-page').hidden = !pageToken;
      setStatus($('list-status'), 'ok', rows.length ? `${rows.length} execution${rows.length > 1 ? 's' : ''}${pageToken ? ', more on the next page' : ''}.` : 'No execution is recorded in this project and domain.');
    } catch (e) {
      if (e.name !== 'AbortError') showError($('list-status'), null, e);
    } finally {
      $('list-button').disabled = false;
    }
  }

  function choose(name, on) {
    const i = chosen.indexOf(name);
    if (i >= 0) chosen.splice(i, 1);
    if (on) chosen.push(name);
    while (chosen.length > 2) {
      const dropped = chosen.shift();
      const box = document.getElementById(`pick-${dropped}`);
      if (box) box.checked = false;
    }
    $('execution-a').value = chosen[0] || $('execution-a').value;
    $('execution-b').value = chosen[1] || '';
  }

  async function open(name) {
    const { project, domain } = scope();
    if (!name) { setStatus($('execution-status'), 'error', 'Give the execution\'s name.'); return; }
    $('execution-a').value = name;
    setStatus($('execution-status'), 'loading', `Opening ${name}\u2026`);
    try {
      const answer = await api.getExecution(project, domain, name);
      const model = previewModel(answer, null);
      $('execution-title').textContent = `Execution ${project}/${domain}/${name}`;
      const messages = clear($('execution-messages'));
      messages.appendChild(h('p', { class: 'hint' }, `input digest ${answer.inputDigest || '\u2014'}; ${model.nodes.length} node${model.nodes.length === 1 ? '' : 's'}`));
      if (model.warnings.length) messages.appendChild(h('ul', { class: 'warnings' }, ...model.warnings.map((w) => violationItem(w, 'warning'))));
      renderNodes($('execution-nodes'), model, { baseline: false });
      $('execution-view').hidden = false;
      setStatus($('execution-status'), 'ok', `Opened ${name}.`);
      $('execution-title').scrollIntoView({ block: 'start' });
    } catch (e) {
      showError($('execution-status'), $('execution-messages'), e);
      $('execution-view').hidden = true;
    }
  }

  async function compare() {
    const { project, domain } = scope();
    const a = $('execution-a').value.trim();
    const b = $('execution-b').value.trim();
    if (!project || !domain || !a || !b) {
      setStatus($('execution-status'), 'error', 'Give a project, a domain and two execution names.');
      return;
    }
    setStatus($('execution-status'), 'loading', `Comparing ${a} with ${b}\u2026`);
    try {
      const [ra, rb] = await Promise.all([api.getExecution(project, domain, a), api.getExecution(project, domain, b)]);
      const diff = diffExecutions({ project, domain, name: a }, ra, { project, domain, name: b }, rb);
      renderDiff(diff);
      $('compare-json').value = diffJson(diff);
      $('compare-view').hidden = false;
      setStatus($('execution-status'), 'ok', `${diff.nodes.length} node${diff.nodes.length === 1 ? '' : 's'} differ, ${diff.unchanged_nodes} unchanged.`);
      $('compare-title').scrollIntoView({ block: 'start' });
    } catch (e) {
      showError($('execution-status'), null, e);
      $('compare-view').hidden = true;
    }
  }

  function sideText(s) {
    if (!s) return h('span', { class: 'hint' }, '(not set)');
    const value = s.removed ? '(removed)' : typeof s.value === 'string' ? s.value : JSON.stringify(s.value);
    return [value, ' ', h('span', { class: `layer layer-${s.layer}` }, s.layer), s.hook ? ` hook ${s.hook}` : ''];
  }

  function renderDiff(diff) {
    const body = clear($('compare-body'));
    body.appendChild(h('p', {}, `A = ${diff.a}, B = ${diff.b}. ${diff.unchanged_nodes} node${diff.unchanged_nodes === 1 ? '' : 's'} unchanged.`));
    if (!diff.nodes.length) body.appendChild(h('p', { class: 'ok' }, 'Every node got the same values from the same places.'));
    for (const node of diff.nodes) {
      const label = { changed: 'changed', only_a: 'only in A', only_b: 'only in B' }[node.status];
      body.appendChild(h('div', { class: 'diff-node', 'data-node': node.node_path, 'data-status': node.status },
        h('h3', {}, node.node_path, ' ', h('span', { class: `tag status-${node.status}` }, label)),
        h('div', { class: 'table-scroll' }, h('table', { class: 'node-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'field'), h('th', { scope: 'col' }, 'A'), h('th', { scope: 'col' }, 'B'))),
          h('tbody', {}, ...node.fields.map((f) => h('tr', { 'data-field': f.field },
            h('th', { scope: 'row', class: 'leaf' }, breakable(f.field)), h('td', {}, sideText(f.a)), h('td', {}, sideText(f.b)))))))));
    }
  }

  $('list-form').addEventListener('submit', (e) => { e.preventDefault(); pageToken = ''; list(''); });
  $('next-page').addEventListener('click', () => list(pageToken));
  $('open-execution-form').addEventListener('submit', (e) => { e.preventDefault(); open($('execution-a').value.trim()); });
  $('compare-button').addEventListener('click', compare);
  return { list, open, compare, tokens: () => tokens };
}
