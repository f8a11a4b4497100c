// Form state <-> override maps (the `{hook: TaskNodeOverrides}` JSON that
// POST /v1/resolve and `overridectl resolve --launch-plan/--execution` read),
// and Violation.field paths <-> the inputs that hold them. Pure.

export const LAYERS = [
  { key: 'launchPlan', label: 'Launch plan', wire: 'LAUNCH_PLAN', request: 'launch_plan_overrides' },
  { key: 'execution', label: 'Execution', wire: 'EXECUTION', request: 'execution_overrides' },
];

export const RESOURCES = [
  { key: 'cpu', wire: 'CPU', label: 'CPU' },
  { key: 'memory', wire: 'MEMORY', label: 'memory' },
  { key: 'gpu', wire: 'GPU', label: 'GPU' },
  { key: 'storage', wire: 'STORAGE', label: 'storage' },
  { key: 'ephemeral_storage', wire: 'EPHEMERAL_STORAGE', label: 'ephemeral storage' },
];

// Fields that take one value, keyed by their snake_case path as `unset`,
// provenance and Violation.field name them (docs/design.md section 4.7).
export const SCALAR_FIELDS = [
  { path: 'retries', json: 'retries', kind: 'integer', label: 'retries' },
  { path: 'cache', json: 'cache', kind: 'bool', label: 'cache' },
  { path: 'cache_serializable', json: 'cacheSerializable', kind: 'bool', label: 'cache serializable' },
  { path: 'cache_version', json: 'cacheVersion', kind: 'text', label: 'cache version' },
  { path: 'interruptible', json: 'interruptible', kind: 'bool', label: 'interruptible' },
  { path: 'container_image', json: 'containerImage', kind: 'text', label: 'image' },
  { path: 'task_config', json: 'taskConfig', kind: 'json', label: 'task_config (JSON merge patch)' },
];

// Every input a hook's layer has, by field path; the env editor is one field.
export function fieldPaths() {
  const paths = [];
  for (const side of ['requests', 'limits']) {
    for (const r of RESOURCES) paths.push(`resources.${side}.${r.key}`);
  }
  for (const f of SCALAR_FIELDS) paths.push(f.path);
  paths.push('environment');
  return paths;
}

// One hook's values in one layer, as the inputs hold them: text as typed,
// '' for "not set here". `unset` lists field paths the user asked to remove
// (what the lower layers set no longer applies).
export function emptyHookForm() {
  return { values: {}, unset: [], env: [] };
}

export function emptyFormState() {
  return { project: '', domain: '', implicitHooks: false, layers: { launchPlan: {}, execution: {} } };
}

function hookForm(state, layer, hook) {
  const layerForms = state.layers[layer];
  if (!layerForms[hook]) layerForms[hook] = emptyHookForm();
  return layerForms[hook];
}

export function setValue(state, layer, hook, path, value) {
  const form = hookForm(state, layer, hook);
  if (value === '' || value === undefined || value === null) delete form.values[path];
  else form.values[path] = value;
}

export function setUnset(state, layer, hook, path, on) {
  const form = hookForm(state, layer, hook);
  form.unset = form.unset.filter((p) => p !== path);
  if (on) form.unset.push(path);
  form.unset.sort();
}

export function setEnv(state, layer, hook, rows) {
  hookForm(state, layer, hook).env = rows.map((r) => ({ key: r.key || '', value: r.value || '', remove: !!r.remove }));
}

const INTEGER = /^[+-]?\d+$/;

// One hook form -> a TaskNodeOverrides document, plus what could not even
// be sent (task_config that is not JSON), keyed by field path. Everything
// else is sent as typed, so the server judges it and its message is shown.
export function hookOverrides(form) {
  const doc = {};
  const errors = {};
  const unset = new Set(form.unset || []);
  const resources = {};
  for (const side of ['requests', 'limits']) {
    const entries = [];
    for (const r of RESOURCES) {
      const path = `resources.${side}.${r.key}`;
      const value = form.values[path];
      if (value !== undefined && !unset.has(path)) entries.push({ name: r.wire, value: String(value).trim() });
    }
    if (entries.length) resources[side] = entries;
  }
  if (Object.keys(resources).length) doc.resources = resources;
  for (const f of SCALAR_FIELDS) {
    const value = form.values[f.path];
    if (value === undefined || unset.has(f.path)) continue;
    if (f.kind === 'bool') {
      if (value === 'true' || value === true) doc[f.json] = true;
      else if (value === 'false' || value === false) doc[f.json] = false;
    } else if (f.kind === 'integer') {
      const text = String(value).trim();
      // A whole number goes as a number; anything else as the text typed,
      // so the server's own message names the problem.
      doc[f.json] = INTEGER.test(text) ? Number(text) : text;
    } else if (f.kind === 'json') {
      const text = String(value).trim();
      if (!text) continue;
      try {
        const parsed = JSON.parse(text);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          errors[f.path] = 'task_config must be a JSON object';
        } else {
          doc[f.json] = parsed;
        }
      } catch (e) {
        errors[f.path] = `not JSON: ${e.message}`;
      }
    } else {
      doc[f.json] = String(value);
    }
  }
  const environment = {};
  const envUnset = [];
  for (const row of form.env || []) {
    if (!row.key) continue;
    if (row.remove) envUnset.push(`environment.${row.key}`);
    else environment[row.key] = row.value;
  }
  if (Object.keys(environment).length && !unset.has('environment')) doc.environment = environment;
  const allUnset = [...unset, ...envUnset].filter((p, i, a) => a.indexOf(p) === i).sort();
  if (allUnset.length) doc.unset = allUnset;
  return { doc, errors };
}

// The two override maps of the form, with hooks sorted so that the same
// form always gives the same bytes (and the same URL, YAML and digest).
export function overrideMaps(state) {
  const maps = {};
  const errors = [];
  for (const layer of LAYERS) {
    const map = {};
    for (const hook of Object.keys(state.layers[layer.key] || {}).sort()) {
      const { doc, errors: fieldErrors } = hookOverrides(state.layers[layer.key][hook]);
      if (Object.keys(doc).length) map[hook] = doc;
      for (const [path, message] of Object.entries(fieldErrors)) {
        errors.push({ layer: layer.key, hook, path, message });
      }
    }
    maps[layer.key] = map;
  }
  return { launchPlan: maps.launchPlan, execution: maps.execution, errors };
}

// The inverse of overrideMaps, for documents a user opens or a URL holds.
// Values the form has no input for (extended_resources, pod_template) are
// reported so the page can say they were left out.
export function formFromMaps(launchPlan, execution) {
  const layers = { launchPlan: {}, execution: {} };
  const skipped = [];
  const sources = { launchPlan, execution };
  for (const layer of LAYERS) {
    for (const [hook, doc] of Object.entries(sources[layer.key] || {})) {
      const form = emptyHookForm();
      for (const [key, value] of Object.entries(doc || {})) {
        if (key === 'resources') {
          for (const side of ['requests', 'limits']) {
            for (const entry of value[side] || []) {
              const r = RESOURCES.find((x) => x.wire === String(entry.name).toUpperCase() || x.key === entry.name);
              if (r) form.values[`resources.${side}.${r.key}`] = String(entry.value);
              else skipped.push(`${layer.request}[${hook}].resources.${side}.${entry.name}`);
            }
          }
          continue;
        }
        if (key === 'environment') {
          for (const [k, v] of Object.entries(value || {})) form.env.push({ key: k, value: String(v), remove: false });
          continue;
        }
        if (key === 'unset') {
          for (const path of value || []) {
            if (path.startsWith('environment.')) form.env.push({ key: path.slice('environment.'.length), value: '', remove: true });
            else form.unset.push(path);
          }
          continue;
        }
        const f = SCALAR_FIELDS.find((x) => x.json === key || x.path === key);
        if (!f) { skipped.push(`${layer.request}[${hook}].${key}`); continue; }
        form.values[f.path] = f.kind === 'json' ? JSON.stringify(value) : String(value);
      }
      form.unset.sort();
      layers[layer.key][hook] = form;
    }
  }
  return { layers, skipped };
}

// Violation.field -> where it belongs in the form. Fields look like
// `execution_overrides[train].resources.limits.cpu`; merged checks name a
// node instead (`node n0 resources.requests.memory`) and carry the hook and
// layer as members, which are used then.
export function locateViolation(violation) {
  const field = violation.field || '';
  let layer = null;
  let hook = violation.hook || '';
  let rest = '';
  const m = /^(launch_plan_overrides|execution_overrides|launchPlanOverrides|executionOverrides)\[([^\]]*)\](?:\.(.*))?$/.exec(field);
  if (m) {
    layer = m[1].startsWith('launch') ? 'launchPlan' : 'execution';
    hook = m[2];
    rest = m[3] || '';
  } else {
    const wire = LAYERS.find((l) => l.wire === violation.layer);
    if (!wire || !hook) return null;
    layer = wire.key;
    const node = /^node \S+ (.*)$/.exec(field);
    rest = node ? node[1] : '';
  }
  return { layer, hook, path: inputPathFor(rest) };
}

// The input that holds a leaf path, or '' for the hook as a whole.
function inputPathFor(rest) {
  if (!rest) return '';
  const known = fieldPaths();
  const camel = SCALAR_FIELDS.find((f) => rest === f.json || rest.startsWith(f.json + '.') || rest.startsWith(f.json + '['));
  if (camel) return camel.path;
  if (rest.startsWith('environment') || rest.startsWith('env')) return 'environment';
  if (rest.startsWith('task_config') || rest.startsWith('taskConfig')) return 'task_config';
  if (rest.startsWith('unset')) return 'unset';
  let candidate = rest;
  while (candidate) {
    if (known.includes(candidate)) return candidate;
    const cut = Math.max(candidate.lastIndexOf('.'), candidate.lastIndexOf('['));
    if (cut <= 0) break;
    candidate = candidate.slice(0, cut);
  }
  return '';
}

// The DOM id of an input; hook names are [A-Za-z0-9_.-] (design.md 4.4), so
// they can stand in an id as they are.
export function inputId(layer, hook, path) {
  return `in-${layer}-${hook}-${path}`;
}

// Whether the operator's fixed_fields forbid a field path, and by which
// rule: a fixed path covers every field beneath it (docs/policy.md).
export function fixedRule(policy, path) {
  for (const fixed of (policy && policy.fixedFields) || []) {
    if (path === fixed || path.startsWith(fixed + '.')) return fixed;
  }
  return '';
}

// The policy maximum shown next to an input (`resources.limits.memory`,
// `retries`).
export function limitFor(policy, path) {
  return ((policy && policy.limits) || []).find((l) => l.field === path) || null;
}
