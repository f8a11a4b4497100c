// Two recorded executions compared node by node, from their GetResolved
// answers with explain (provenance). Pure. The result is the JSON that
// `overridectl diff A B -o json` prints, member for member, so the page and
// the CLI can be checked against each other:
//   {"a","b","nodes":[{"node_path","status","fields":[{"field","a","b"}]}],
//    "unchanged_nodes"}

import { canonical, compareBytes, sorted } from './canonical_json.js';

export function executionName(id) {
  return `${id.project}/${id.domain}/${id.name}`;
}

// A provenance leaf as the diff shows one side of it.
function side(entry) {
  const a = entry.assignment || {};
  return {
    value: a.value === undefined ? null : sorted(a.value),
    layer: a.layer || 'LAYER_UNSPECIFIED',
    hook: a.hook || '',
    removed: !!a.removed,
  };
}

function leaves(node) {
  const map = new Map();
  for (const entry of node.provenance || []) map.set(entry.field, side(entry));
  return map;
}

function differs(x, y) {
  return canonical(x.value) !== canonical(y.value) || x.removed !== y.removed || x.layer !== y.layer || x.hook !== y.hook;
}

function byPath(response) {
  const map = new Map();
  for (const node of (response && response.nodes) || []) map.set(node.nodePath, node);
  return map;
}

export function diffExecutions(idA, responseA, idB, responseB) {
  const nodesA = byPath(responseA);
  const nodesB = byPath(responseB);
  const paths = [...new Set([...nodesA.keys(), ...nodesB.keys()])].sort(compareBytes);
  const nodes = [];
  let unchanged = 0;
  for (const path of paths) {
    const a = nodesA.get(path);
    const b = nodesB.get(path);
    if (!a || !b) {
      const only = leaves(a || b);
      const fields = [...only.keys()].sort(compareBytes).map((field) => ({
        field,
        a: a ? only.get(field) : null,
        b: b ? only.get(field) : null,
      }));
      nodes.push({ node_path: path, status: a ? 'only_a' : 'only_b', fields });
      continue;
    }
    const la = leaves(a);
    const lb = leaves(b);
    const fieldNames = [...new Set([...la.keys(), ...lb.keys()])].sort(compareBytes);
    const fields = [];
    for (const field of fieldNames) {
      const x = la.get(field) || null;
      const y = lb.get(field) || null;
      if (!x || !y || differs(x, y)) fields.push({ field, a: x, b: y });
    }
    if (fields.length) nodes.push({ node_path: path, status: 'changed', fields });
    else unchanged++;
  }
  return { a: executionName(idA), b: executionName(idB), nodes, unchanged_nodes: unchanged };
}

// The text a user copies: the same compact form the CLI prints.
export function diffJson(diff) {
  return JSON.stringify(diff);
}
