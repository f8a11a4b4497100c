// A Resolve answer with explain -> what the preview shows per node: every
// leaf's effective value, the layer and hook it came from, what it shadowed,
// whether policy clamped it, and how it differs from what the workflow alone
// would run with (the baseline: the same closure with empty maps). Pure.

import { canonical, compareBytes } from './canonical_json.js';

export const LAYER_ORDER = ['TASK', 'COMPILED', 'DECORATOR', 'LAUNCH_PLAN', 'EXECUTION', 'PLATFORM'];

export function displayValue(assignment) {
  if (!assignment) return '';
  if (assignment.removed) return '(removed)';
  const v = assignment.value;
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

// "LAUNCH_PLAN hook train @ n1/n0", as overridectl's explain table says it.
export function describeSource(assignment) {
  if (!assignment) return '';
  const parts = [assignment.layer || 'LAYER_UNSPECIFIED'];
  if (assignment.hook) parts.push(`${assignment.implicitHook ? 'implicit hook' : 'hook'} ${assignment.hook}`);
  if (assignment.declaredAt) parts.push(`@ ${assignment.declaredAt}`);
  return parts.join(' ');
}

function effectiveKey(assignment) {
  if (!assignment) return '';
  return assignment.removed ? '\u0000removed' : canonical(assignment.value);
}

function leafMap(node) {
  const map = new Map();
  for (const entry of (node && node.provenance) || []) map.set(entry.field, entry);
  return map;
}

// Rows of one node. `baselineNode` may be missing (no baseline yet).
export function nodeRows(node, baselineNode) {
  const current = leafMap(node);
  const base = baselineNode ? leafMap(baselineNode) : null;
  const rows = [];
  for (const [field, entry] of current) {
    const a = entry.assignment || {};
    const shadowed = [...(entry.shadowed || [])].reverse(); // most recent first, as overridectl prints
    const row = {
      field,
      value: displayValue(a),
      layer: a.layer || 'LAYER_UNSPECIFIED',
      hook: a.hook || '',
      source: describeSource(a),
      removed: !!a.removed,
      clamped: a.layer === 'PLATFORM',
      shadowed: shadowed.map((s) => ({ value: displayValue(s), layer: s.layer || '', source: describeSource(s) })),
      change: 'same',
      baseline: null,
    };
    if (base) {
      const before = base.get(field);
      if (!before) {
        row.change = 'new';
      } else if (effectiveKey(before.assignment) !== effectiveKey(a)) {
        row.change = 'changed';
        row.baseline = displayValue(before.assignment);
      }
    }
    rows.push(row);
  }
  if (base) {
    for (const [field, entry] of base) {
      if (current.has(field)) continue;
      rows.push({
        field, value: '(not set)', layer: '', hook: '', source: '', removed: true, clamped: false,
        shadowed: [], change: 'changed', baseline: displayValue(entry.assignment),
      });
    }
  }
  rows.sort((x, y) => fieldOrder(x.field) - fieldOrder(y.field) || compareBytes(x.field, y.field));
  return rows;
}

// Provenance comes in the server's field order; rows missing from it are
// put back near their kin.
const FIELD_GROUPS = ['resources.requests', 'resources.limits', 'extended_resources', 'pod_template', 'container_image',
  'cache', 'cache_serializable', 'cache_version', 'retries', 'interruptible', 'environment', 'task_config'];
function fieldOrder(field) {
  for (let i = FIELD_GROUPS.length - 1; i >= 0; i--) {
    const g = FIELD_GROUPS[i];
    if (field === g || field.startsWith(g + '.') || field.startsWith(g + '/')) return i;
  }
  return FIELD_GROUPS.length;
}

// The whole preview: nodes with rows, the warnings each node has, and
// warnings that name no node.
export function previewModel(response, baseline) {
  const baseNodes = new Map(((baseline && baseline.nodes) || []).map((n) => [n.nodePath, n]));
  const warnings = (response && response.warnings) || [];
  const nodes = ((response && response.nodes) || []).map((node) => {
    const rows = nodeRows(node, baseline ? baseNodes.get(node.nodePath) || { provenance: [] } : null);
    return {
      nodePath: node.nodePath,
      nodeId: node.nodeId,
      task: node.taskId ? `${node.taskId.name}${node.taskId.version ? '@' + node.taskId.version : ''}` : '',
      hooks: node.hooks || [],
      rows,
      changed: rows.filter((r) => r.change !== 'same').length,
      warnings: warnings.filter((w) => w.nodePath === node.nodePath),
    };
  });
  return {
    nodes,
    warnings,
    digest: (response && response.inputDigest) || '',
  };
}
