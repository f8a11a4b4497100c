import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewModel, describeSource, displayValue } from '../preview_model.js';

const response = {
  nodes: [{
    nodePath: 'n1/n0', nodeId: 'n0', hooks: ['train'],
    taskId: { name: 'ml.training.train_model', version: 'v1.4.0' },
    provenance: [
      { field: 'resources.requests.memory',
        assignment: { layer: 'EXECUTION', hook: 'train', declaredAt: 'n1/n0', value: '48Gi' },
        shadowed: [{ layer: 'TASK', value: '16Gi' }, { layer: 'DECORATOR', hook: 'train', declaredAt: 'n1/n0', value: '24Gi' }] },
      { field: 'resources.limits.cpu', assignment: { layer: 'EXECUTION', hook: 'train', declaredAt: 'n1/n0', removed: true }, shadowed: [{ layer: 'TASK', value: '8' }] },
      { field: 'resources.limits.memory', assignment: { layer: 'PLATFORM', hook: 'train', declaredAt: 'n1/n0', value: '96Gi' }, shadowed: [{ layer: 'LAUNCH_PLAN', hook: 'train', value: '160Gi' }] },
      { field: 'retries', assignment: { layer: 'DECORATOR', hook: 'train', declaredAt: 'n1/n0', value: 2 } },
      { field: 'task_config/runPolicy', assignment: { layer: 'DECORATOR', hook: 'train', value: { a: 1 } } },
    ],
  }],
  warnings: [{ field: 'launch_plan_overrides[train].resources.limits.memory', reason: 'POLICY_MAX_LIMIT', nodePath: 'n1/n0', description: 'clamped' }],
  inputDigest: 'abc',
};
const baseline = { nodes: [{ nodePath: 'n1/n0', provenance: [
  { field: 'resources.requests.memory', assignment: { layer: 'DECORATOR', hook: 'train', value: '24Gi' } },
  { field: 'resources.limits.cpu', assignment: { layer: 'TASK', value: '8' } },
  { field: 'resources.limits.memory', assignment: { layer: 'TASK', value: '32Gi' } },
  { field: 'retries', assignment: { layer: 'DECORATOR', hook: 'train', value: 2 } },
  { field: 'task_config/runPolicy', assignment: { layer: 'DECORATOR', hook: 'train', value: { a: 1 } } },
  { field: 'environment.GONE', assignment: { layer: 'TASK', value: 'x' } },
] }] };

test('every leaf with its layer, hook and shadowed values, most recent first', () => {
  const model = previewModel(response, null);
  const [node] = model.nodes;
  assert.equal(node.task, 'ml.training.train_model@v1.4.0');
  const mem = node.rows.find((r) => r.field === 'resources.requests.memory');
  assert.equal(mem.value, '48Gi');
  assert.equal(mem.layer, 'EXECUTION');
  assert.equal(mem.source, 'EXECUTION hook train @ n1/n0');
  assert.deepEqual(mem.shadowed.map((s) => s.value), ['24Gi', '16Gi']);
  assert.equal(mem.change, 'same');
  assert.equal(node.rows.find((r) => r.field === 'resources.limits.cpu').value, '(removed)');
  assert.equal(node.rows.find((r) => r.field === 'task_config/runPolicy').value, '{"a":1}');
});

test('policy clamps are marked and the node carries its warnings', () => {
  const [node] = previewModel(response, null).nodes;
  const clamped = node.rows.filter((r) => r.clamped).map((r) => r.field);
  assert.deepEqual(clamped, ['resources.limits.memory']);
  assert.equal(node.warnings.length, 1);
});

test('the diff against the workflow alone: changed, unchanged, gone', () => {
  const [node] = previewModel(response, baseline).nodes;
  const change = Object.fromEntries(node.rows.map((r) => [r.field, [r.change, r.baseline]]));
  assert.deepEqual(change['resources.requests.memory'], ['changed', '24Gi']);
  assert.deepEqual(change['resources.limits.cpu'], ['changed', '8']);
  assert.deepEqual(change.retries, ['same', null]);
  assert.deepEqual(change['task_config/runPolicy'], ['same', null]);
  assert.deepEqual(change['resources.limits.memory'], ['changed', '32Gi']);
  assert.deepEqual(change['environment.GONE'], ['changed', 'x']);
  assert.equal(node.changed, 4);
});

test('rows keep the field order of a TaskNodeOverrides', () => {
  const [node] = previewModel(response, baseline).nodes;
  assert.deepEqual(node.rows.map((r) => r.field), [
    'resources.requests.memory', 'resources.limits.cpu', 'resources.limits.memory', 'retries',
    'environment.GONE', 'task_config/runPolicy',
  ]);
});

test('sources read as overridectl prints them', () => {
  assert.equal(describeSource({ layer: 'TASK' }), 'TASK');
  assert.equal(describeSource({ layer: 'LAUNCH_PLAN', hook: 'train_model', implicitHook: true, declaredAt: 'n1/n0' }),
    'LAUNCH_PLAN implicit hook train_model @ n1/n0');
  assert.equal(displayValue({ value: false }), 'false');
  assert.equal(displayValue({ value: null }), 'null');
});
