import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffExecutions, diffJson } from '../execution_diff.js';

const A = { project: 'p', domain: 'd', name: 'a' };
const B = { project: 'p', domain: 'd', name: 'b' };
const leaf = (field, layer, value, extra = {}) => ({ field, assignment: { layer, ...(value === undefined ? {} : { value }), ...extra } });

test('nodes in both: only differing fields are listed, the rest counted as unchanged', () => {
  const a = { nodes: [
    { nodePath: 'n0', provenance: [leaf('retries', 'TASK', 1)] },
    { nodePath: 'n1/n0', provenance: [
      leaf('resources.limits.memory', 'EXECUTION', '32Gi', { hook: 'train', declaredAt: 'n1/n0' }),
      leaf('resources.requests.cpu', 'TASK', '1'),
      leaf('task_config/a', 'LAUNCH_PLAN', { y: 1, x: [1, 2] }, { hook: 'train' }),
    ] },
  ] };
  const b = { nodes: [
    { nodePath: 'n0', provenance: [leaf('retries', 'TASK', 1)] },
    { nodePath: 'n1/n0', provenance: [
      leaf('resources.limits.memory', 'EXECUTION', '64Gi', { hook: 'train', declaredAt: 'n1/n0' }),
      leaf('resources.requests.cpu', 'TASK', '1'),
      leaf('task_config/a', 'LAUNCH_PLAN', { x: [1, 2], y: 1 }, { hook: 'train' }),
      leaf('environment.X', 'EXECUTION', undefined, { hook: 'train', removed: true }),
    ] },
  ] };
  const diff = diffExecutions(A, a, B, b);
  assert.deepEqual(diff, {
    a: 'p/d/a', b: 'p/d/b',
    nodes: [{ node_path: 'n1/n0', status: 'changed', fields: [
      { field: 'environment.X', a: null, b: { value: null, layer: 'EXECUTION', hook: 'train', removed: true } },
      { field: 'resources.limits.memory',
        a: { value: '32Gi', layer: 'EXECUTION', hook: 'train', removed: false },
        b: { value: '64Gi', layer: 'EXECUTION', hook: 'train', removed: false } },
    ] }],
    unchanged_nodes: 1,
  });
});

test('the same value from another layer or hook is a change', () => {
  const a = { nodes: [{ nodePath: 'n0', provenance: [leaf('retries', 'LAUNCH_PLAN', 3, { hook: 'h' }), leaf('cache', 'EXECUTION', false, { hook: 'h' })] }] };
  const b = { nodes: [{ nodePath: 'n0', provenance: [leaf('retries', 'EXECUTION', 3, { hook: 'h' }), leaf('cache', 'EXECUTION', false, { hook: 'g' })] }] };
  const diff = diffExecutions(A, a, B, b);
  assert.deepEqual(diff.nodes[0].fields.map((f) => f.field), ['cache', 'retries']);
});

test('a node in one record only lists every leaf of that side', () => {
  const a = { nodes: [{ nodePath: 'n2', provenance: [leaf('retries', 'TASK', 0), leaf('cache', 'TASK', true)] }] };
  const b = { nodes: [{ nodePath: 'n10', provenance: [leaf('retries', 'TASK', 2)] }] };
  const diff = diffExecutions(A, a, B, b);
  // byte order: n10 before n2
  assert.deepEqual(diff.nodes.map((n) => [n.node_path, n.status]), [['n10', 'only_b'], ['n2', 'only_a']]);
  assert.deepEqual(diff.nodes[1].fields, [
    { field: 'cache', a: { value: true, layer: 'TASK', hook: '', removed: false }, b: null },
    { field: 'retries', a: { value: 0, layer: 'TASK', hook: '', removed: false }, b: null },
  ]);
  assert.equal(diff.unchanged_nodes, 0);
});

test('paths and fields sort byte-wise, not by UTF-16 unit', () => {
  const a = { nodes: [{ nodePath: '\u{1F600}', provenance: [] }, { nodePath: '\uFF5E', provenance: [] }] };
  const diff = diffExecutions(A, a, B, { nodes: [] });
  assert.deepEqual(diff.nodes.map((n) => n.node_path), ['\uFF5E', '\u{1F600}']);
});

test('the JSON is compact with members in the CLI order', () => {
  const diff = diffExecutions(A, { nodes: [] }, B, { nodes: [] });
  assert.equal(diffJson(diff), '{"a":"p/d/a","b":"p/d/b","nodes":[],"unchanged_nodes":0}');
});
