// Wiring: opens a closure, draws it, builds the hook cards, keeps the form
// state, runs the live preview, fills the exports and the link. The logic
// worth testing lives in the pure modules this file calls.

import * as api from './api.js';
import { inspectRequestBytes, looksLikeJson } from './binary_closure.js';
import { h, clear, setStatus, violationItem } from './dom.js';
import { buildGraph, unwrapClosure } from './closure_graph.js';
import { renderGraph, renderLegend } from './graph_view.js';
import { renderHookCards } from './hook_cards.js';
import {
  LAYERS, emptyFormState, setValue, setUnset, setEnv, overrideMaps, formFromMaps, locateViolation, inputId,
} from './override_form.js';
import { previewModel } from './preview_model.js';
import { renderNodes } from './preview_view.js';
import { toYaml } from './yaml.js';
import { encodeState, decodeState } from './url_state.js';
import { setupExecutions } from './executions_view.js';

const $ = (id) => document.getElementById(id);
const PREVIEW_DELAY_MS = 300;

const app = {
  closure: null,        // the CompiledWorkflowClosure as opened (unwrapped)
  hooks: [],
  state: emptyFormState(),
  baseline: null,       // the dry run with empty maps, for the diff and placeholders
  baselineCache: new Map(),
  timer: 0,
  controller: null,
  sequence: 0,
  lastAnswer: null,     // the preview's last Resolve answer, when it was valid
};

// ---- views and token ------------------------------------------------------

function showView(name) {
  for (const view of ['workflow', 'executions']) {
    $(`view-${view}`).hidden = view !== name;
    $(`tab-${view}`).setAttribute('aria-pressed', String(view === name));
  }
}

$('tab-workflow').addEventListener('click', () => showView('workflow'));
$('tab-executions').addEventListener('click', () => showView('executions'));
$('to-executions').addEventListener('click', () => {
  // The scope typed for the workflow is the likeliest scope of its runs.
  if (!$('list-project').value) $('list-project').value = $('project').value;
  if (!$('list-domain').value) $('list-domain').value = $('domain').value;
  showView('executions');
  $('list-project').focus();
});
$('token').value = api.getToken();
$('token').addEventListener('change', () => api.setToken($('token').value.trim()));

// ---- opening a closure ----------------------------------------------------

function scope() {
  return { project: $('project').value.trim(), domain: $('domain').value.trim(), implicitHooks: $('implicit-hooks').checked };
}

function errorText(e) {
  return e.status ? `${e.message} (HTTP ${e.status}${e.code ? ' ' + e.code : ''})` : e.message;
}

function showRefusal(statusNode, listNode, e) {
  setStatus(statusNode, 'error', errorText(e));
  if (listNode && e.violations && e.violations.length) {
    listNode.appendChild(h('ul', { class: 'violations' }, ...e.violations.map((v) => violationItem(v))));
  }
}

// A closure file may be binary protobuf: the server reads it and answers it
// as JSON, which the page then works with like any pasted closure.
async function binaryClosure(bytes) {
  let answer;
  try {
    answer = await api.inspectBinary(inspectRequestBytes(bytes));
  } catch (e) {
    throw new Error(`The file is neither JSON nor a closure the server could read as binary protobuf: ${errorText(e)}`);
  }
  if (!answer.closure) throw new Error('The server read the binary closure but sent none back.');
  return answer.closure;
}

async function readClosureInput() {
  const file = $('closure-file').files[0];
  if (file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!looksLikeJson(bytes)) return binaryClosure(bytes);
  }
  const text = file ? await file.text() : $('closure-text').value;
  if (!text.trim()) throw new Error('Paste a closure or choose a file.');
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`The closure is not JSON (${e.message}). A binary closure can be opened as a file.`);
  }
  return unwrapClosure(json);
}

function baselineRequest(closure, s) {
  return withScope({ closure, options: { dryRun: true, explain: true, implicitHooks: s.implicitHooks || undefined } }, s);
}

// A dry run judged under the chosen project and domain needs an execution
// id to carry them (policy scope comes from it, docs/policy.md section 3);
// with dryRun nothing is recorded under it.
function withScope(request, s) {
  if (s.project && s.domain) request.executionId = { project: s.project, domain: s.domain, name: 'console-preview' };
  return request;
}

async function fetchBaseline(closure, s) {
  const key = JSON.stringify([s.project, s.domain, s.implicitHooks]) + JSON.stringify(closure);
  if (app.baselineCache.has(key)) return app.baselineCache.get(key);
  try {
    const answer = await api.resolve(baselineRequest(closure, s));
    app.baselineCache.set(key, answer);
    return answer;
  } catch (e) {
    // The workflow alone may already be refused (its own defaults break the
    // policy); the preview then shows values without a diff.
    return null;
  }
}

async function openClosure(closure, form) {
  const s = scope();
  setStatus($('open-status'), 'loading', 'Inspecting the workflow\u2026');
  $('open-button').disabled = true;
  clear($('diagnostics'));
  try {
    const graph = buildGraph(closure);
    const inspected = await api.inspect({ closure, project: s.project || undefined, domain: s.domain || undefined, implicitHooks: s.implicitHooks || undefined });
    app.closure = closure;
    app.hooks = inspected.hooks || [];
    app.baseline = await fetchBaseline(closure, s);
    app.state = { ...emptyFormState(), ...s, layers: form ? form.layers : { launchPlan: {}, execution: {} } };
    $('workflow-title').textContent = `Workflow ${graph.workflow}`;
    renderGraph($('graph'), graph, app.hooks, (text) => { $('graph-detail').textContent = text; }, activateNode);
    renderLegend($('legend'), app.hooks);
    for (const d of inspected.diagnostics || []) $('diagnostics').appendChild(h('ul', { class: 'violations' }, violationItem(d)));
    for (const w of inspected.warnings || []) $('diagnostics').appendChild(h('ul', { class: 'warnings' }, violationItem(w, 'warning')));
    renderHookCards($('hook-cards'), app.hooks, {
      state: app.state,
      placeholders,
      onValue: (layer, hook, path, value) => { setValue(app.state, layer, hook, path, value); changed(); },
      onUnset: (layer, hook, path, on) => { setUnset(app.state, layer, hook, path, on); changed(); },
      onEnv: (layer, hook, rows) => { setEnv(app.state, layer, hook, rows); changed(); },
    });
    $('workflow').hidden = false;
    $('editor').hidden = false;
    const count = app.hooks.length;
    setStatus($('open-status'), 'ok', `Opened ${graph.workflow}: ${graph.taskPaths.length} task nodes, ${count} hook${count === 1 ? '' : 's'}.`);
    changed(true);
  } catch (e) {
    if (e.name === 'AbortError') return;
    showRefusal($('open-status'), $('diagnostics'), e);
    if (e.violations && e.violations.length) $('workflow').hidden = false;
  } finally {
    $('open-button').disabled = false;
  }
}

function activateNode(node) {
  const hooks = [...(node.hooks || [])];
  const covering = app.hooks.filter((hk) => (hk.nodePaths || []).includes(node.taskPath)).map((hk) => hk.name);
  const target = document.getElementById(`hook-${hooks[0] || covering[covering.length - 1]}`);
  if (target) {
    target.scrollIntoView({ block: 'start' });
    target.querySelector('input, select, textarea')?.focus({ preventScroll: true });
  }
}

// ---- placeholders: the author's defaults, else the workflow alone -----------

function mergeDefaults(hook) {
  const doc = {};
  const apply = (d) => {
    for (const [k, v] of Object.entries(d || {})) {
      if (k === 'resources') {
        doc.resources = doc.resources || {};
        for (const side of ['requests', 'limits']) {
          const byName = new Map((doc.resources[side] || []).map((e) => [e.name, e]));
          for (const e of v[side] || []) byName.set(e.name, e);
          if (byName.size) doc.resources[side] = [...byName.values()];
        }
      } else if (k === 'environment') {
        doc.environment = { ...(doc.environment || {}), ...v };
      } else {
        doc[k] = v;
      }
    }
  };
  const declaration = (hook.declarations || []).find((d) => d.defaults && Object.keys(d.defaults).length);
  if (declaration) apply(declaration.defaults);
  // Innermost workflow first, the primary ('') last: it wins (design.md 4.5).
  const scopes = Object.keys(hook.workflowDefaults || {}).sort((a, b) => b.length - a.length);
  for (const where of scopes) apply(hook.workflowDefaults[where]);
  return doc;
}

function placeholders(hookName) {
  const hook = app.hooks.find((hk) => hk.name === hookName) || {};
  const author = formFromMaps({ [hookName]: mergeDefaults(hook) }, {}).layers.launchPlan[hookName];
  const values = {};
  const envValues = {};
  const first = (hook.nodePaths || [])[0];
  const node = app.baseline && (app.baseline.nodes || []).find((n) => n.nodePath === first);
  if (node && node.effective) {
    const alone = formFromMaps({ [hookName]: node.effective }, {}).layers.launchPlan[hookName];
    Object.assign(values, alone.values);
    for (const row of alone.env) envValues[row.key] = row.value;
  }
  Object.assign(values, author.values);
  for (const row of author.env) envValues[row.key] = row.value;
  return { values, envValues };
}

// ---- live preview -----------------------------------------------------------

function changed(now) {
  clearTimeout(app.timer);
  updateExports();
  setStatus($('preview-status'), 'loading', 'Waiting for you to stop typing\u2026');
  app.timer = setTimeout(runPreview, now ? 0 : PREVIEW_DELAY_MS);
}

function clearMarks() {
  for (const node of document.querySelectorAll('[aria-invalid="true"]')) node.removeAttribute('aria-invalid');
  for (const node of document.querySelectorAll('.field-msg, .hook-messages')) clear(node);
  for (const node of document.querySelectorAll('.cell.invalid, .cell.warned')) node.classList.remove('invalid', 'warned');
}

// Puts a violation (or warning) at the input it names; returns whether it
// found one, so the rest can be listed for the hook or the page.
function place(v, kind) {
  const loc = locateViolation(v);
  if (!loc) return false;
  const text = `${v.description || v.reason}${v.nodePath ? ` (at ${v.nodePath})` : ''}`;
  if (loc.path && loc.path !== 'unset') {
    const id = inputId(loc.layer, loc.hook, loc.path);
    const input = document.getElementById(id);
    const msg = document.getElementById(`${id}-msg`);
    if (input && msg) {
      msg.appendChild(h('p', { class: kind }, text));
      input.closest('.cell')?.classList.add(kind === 'warning' ? 'warned' : 'invalid');
      if (kind !== 'warning') {
        input.setAttribute('aria-invalid', 'true');
        if (loc.path === 'environment') {
          // The resolver writes environment.KEY, the strict reader environment[KEY].
          const key = (/\.environment(?:\.([^[\]]+)|\[([^\]]*)\])$/.exec(v.field || '') || []).slice(1).find(Boolean);
          for (const k of input.closest('.cell').querySelectorAll('[data-env-key]')) {
            if (!key || k.dataset.envKey === key) k.setAttribute('aria-invalid', 'true');
          }
        }
      }
      return true;
    }
  }
  const hookMsg = document.getElementById(`msg-${loc.hook}`);
  if (hookMsg) {
    const layer = LAYERS.find((l) => l.key === loc.layer);
    hookMsg.appendChild(h('p', { class: kind }, `${layer ? layer.label + ': ' : ''}${text}`));
    return true;
  }
  return false;
}

function showClientErrors(errors) {
  for (const e of errors) {
    place({ field: `${LAYERS.find((l) => l.key === e.layer).request}[${e.hook}].${e.path}`, description: e.message }, 'violation');
  }
}

// Values for hooks the workflow does not declare (a link or map written for
// another version of it) have no card to edit them in: say so, offer to drop
// them. The server's refusal, with its "did you mean", is shown as well.
function showOrphans(box) {
  const known = new Set(app.hooks.map((hk) => hk.name));
  for (const layer of LAYERS) {
    for (const hook of Object.keys(app.state.layers[layer.key] || {})) {
      if (known.has(hook)) continue;
      const drop = h('button', { type: 'button', class: 'small' }, `Drop the ${layer.label.toLowerCase()} values for ${hook}`);
      drop.addEventListener('click', () => { delete app.state.layers[layer.key][hook]; changed(true); });
      box.appendChild(h('p', { class: 'orphan' }, `The ${layer.label.toLowerCase()} map sets hook ${hook}, which this workflow does not declare. `, drop));
    }
  }
}

// The picture shows which task nodes the maps change, so the effect of a
// hook on a graph is seen at a glance.
function markChangedNodes(model) {
  const changedPaths = new Set(model ? model.nodes.filter((n) => n.changed).map((n) => n.nodePath) : []);
  for (const node of document.querySelectorAll('#graph g.node')) {
    node.classList.toggle('changed', changedPaths.has(node.dataset.path));
  }
}

async function runPreview() {
  if (!app.closure) return;
  app.controller?.abort();
  const sequence = ++app.sequence;
  const maps = overrideMaps(app.state);
  const box = $('preview-messages');
  clearMarks();
  clear(box);
  if (maps.errors.length) {
    showClientErrors(maps.errors);
    setStatus($('preview-status'), 'error', `NOT valid: ${maps.errors.length} field${maps.errors.length === 1 ? '' : 's'} cannot be sent (marked in the cards).`);
    clear($('preview-nodes')).appendChild(h('p', { class: 'hint' }, 'No preview until the marked fields are fixed.'));
    return;
  }
  showOrphans(box);
  const controller = new AbortController();
  app.controller = controller;
  setStatus($('preview-status'), 'loading', 'Resolving\u2026');
  $('preview-nodes').setAttribute('aria-busy', 'true');
  const request = withScope({
    closure: app.closure,
    launchPlanOverrides: maps.launchPlan,
    executionOverrides: maps.execution,
    options: { dryRun: true, explain: true, implicitHooks: app.state.implicitHooks || undefined },
  }, app.state);
  try {
    const answer = await api.resolve(request, controller.signal);
    if (sequence !== app.sequence) return; // an older answer arriving late
    app.lastAnswer = answer;
    const model = previewModel(answer, app.baseline);
    for (const w of model.warnings) place(w, 'warning');
    if (model.warnings.length) box.appendChild(h('ul', { class: 'warnings' }, ...model.warnings.map((w) => violationItem(w, 'warning'))));
    renderNodes($('preview-nodes'), model, { baseline: !!app.baseline });
    markChangedNodes(model);
    const changedNodes = model.nodes.filter((n) => n.changed).length;
    setStatus($('preview-status'), 'ok', `Valid: ${model.nodes.length} node${model.nodes.length === 1 ? '' : 's'} resolved, ${changedNodes} differ from the workflow alone${model.warnings.length ? `, ${model.warnings.length} warning${model.warnings.length === 1 ? '' : 's'}` : ''}.`);
  } catch (e) {
    if (e.name === 'AbortError' || sequence !== app.sequence) return;
    app.lastAnswer = null;
    for (const v of e.violations) place(v, 'violation');
    for (const w of e.warnings) place(w, 'warning');
    setStatus($('preview-status'), 'error', `NOT valid: ${errorText(e)}`);
    if (e.violations.length) box.appendChild(h('ul', { class: 'violations' }, ...e.violations.map((v) => violationItem(v))));
    if (e.warnings.length) box.appendChild(h('ul', { class: 'warnings' }, ...e.warnings.map((w) => violationItem(w, 'warning'))));
    markChangedNodes(null);
    clear($('preview-nodes')).appendChild(h('p', { class: 'refused' }, e.status
      ? 'The server refused these values: nothing would run with them. Fix what is marked and the preview comes back.'
      : 'No preview: the server could not be reached.'));
  } finally {
    if (sequence === app.sequence) $('preview-nodes').removeAttribute('aria-busy');
  }
}

// ---- exports and the link ---------------------------------------------------

let downloadUrls = [];

// The four files overridectl reads, each with a download link.
const EXPORT_FILES = [
  { key: 'lp-yaml', name: 'launch_plan.yaml', rows: 6 }, { key: 'ex-yaml', name: 'execution.yaml', rows: 6 },
  { key: 'lp-json', name: 'launch_plan.json', rows: 4 }, { key: 'ex-json', name: 'execution.json', rows: 4 },
];
for (const file of EXPORT_FILES) {
  $('export-files').appendChild(h('div', { class: 'export-item' },
    h('label', { for: `export-${file.key}` }, file.name),
    h('textarea', { id: `export-${file.key}`, rows: file.rows, readonly: true, spellcheck: 'false' }),
    h('a', { id: `download-${file.key}`, download: file.name, href: '#' }, `Download ${file.name}`)));
}

function setDownload(id, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  downloadUrls.push(url);
  $(id).href = url;
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function updateExports() {
  const maps = overrideMaps(app.state);
  for (const url of downloadUrls) URL.revokeObjectURL(url);
  downloadUrls = [];
  const texts = {
    'lp-yaml': toYaml(maps.launchPlan), 'ex-yaml': toYaml(maps.execution),
    'lp-json': JSON.stringify(maps.launchPlan, null, 2) + '\n', 'ex-json': JSON.stringify(maps.execution, null, 2) + '\n',
  };
  for (const [key, text] of Object.entries(texts)) {
    $(`export-${key}`).value = text;
    setDownload(`download-${key}`, text, key.endsWith('yaml') ? 'application/yaml' : 'application/json');
  }
  const args = ['overridectl', 'resolve', '--closure', 'closure.json', '--launch-plan', 'launch_plan.yaml', '--execution', 'execution.yaml', '--explain'];
  if (app.state.implicitHooks) args.push('--implicit-hooks');
  let command = args.map(shellQuote).join(' ');
  if (app.state.project && app.state.domain) {
    // --project and --domain only choose a scope of a policy overridectl reads.
    command += `\n# under the operator's policy for ${app.state.project}/${app.state.domain}, add:\n#   --policy resolver.yaml --project ${shellQuote(app.state.project)} --domain ${shellQuote(app.state.domain)}`;
  }
  $('export-command').value = command;
  if (!app.closure) return;
  const hash = await encodeState({
    closure: app.closure, project: app.state.project, domain: app.state.domain,
    implicitHooks: app.state.implicitHooks, launchPlan: maps.launchPlan, execution: maps.execution,
  });
  history.replaceState(null, '', `#${hash}`);
  $('export-link').value = location.href;
}

$('preview-compact').addEventListener('change', () => {
  $('preview-nodes').classList.toggle('compact', $('preview-compact').checked);
});

$('copy-link').addEventListener('click', async () => {
  $('export-link').select();
  try { await navigator.clipboard.writeText($('export-link').value); } catch { document.execCommand('copy'); }
});

// ---- start ------------------------------------------------------------------

// An override map file (launch_plan.json, execution.json) to start the form
// from; YAML would need a YAML reader in the page, so JSON only.
async function readMapFile(input, what) {
  const file = input.files[0];
  if (!file) return {};
  try {
    const map = JSON.parse(await file.text());
    if (!map || typeof map !== 'object' || Array.isArray(map)) throw new Error('not a JSON object');
    return map;
  } catch (e) {
    throw new Error(`The ${what} map ${file.name} is not a JSON object of {hook: overrides} (${e.message}).`);
  }
}

function noteSkipped(skipped) {
  if (skipped.length) {
    $('open-status').append(` Set by the maps but without an input here, so left out of the form and the exports: ${skipped.join(', ')}.`);
  }
}

$('open-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const closure = await readClosureInput();
    const form = formFromMaps(await readMapFile($('lp-file'), 'launch-plan'), await readMapFile($('ex-file'), 'execution'));
    history.replaceState(null, '', location.pathname);
    await openClosure(closure, form);
    noteSkipped(form.skipped);
  } catch (err) {
    setStatus($('open-status'), 'error', err.message);
  }
});

async function openFromHash() {
  if (!location.hash.startsWith('#s1.')) return;
  try {
    const saved = await decodeState(location.hash);
    $('project').value = saved.project;
    $('domain').value = saved.domain;
    $('implicit-hooks').checked = saved.implicitHooks;
    $('closure-text').value = JSON.stringify(saved.closure);
    const form = formFromMaps(saved.launchPlan, saved.execution);
    await openClosure(unwrapClosure(saved.closure), form);
    noteSkipped(form.skipped);
  } catch (err) {
    setStatus($('open-status'), 'error', `This link could not be restored: ${err.message}`);
  }
}

window.addEventListener('hashchange', openFromHash);
window.consoleApp = app; // for people (and tests) poking at the page's state
setupExecutions();
openFromHash();
