import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildGraph, taskNodePaths, unwrapClosure } from '../closure_graph.js';

// The bundled examples sit three levels up from this file in the repository
// (and in bazel's runfiles, where the js_test puts them alike).
function example(name) {
  const url = new URL(`../../../examples/${name}/closure.json`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8'));
}

test('training_pipeline: a sub-workflow called twice gives two instances of each task', () => {
  assert.deepEqual(taskNodePaths(example('training_pipeline')).sort(),
    ['n0', 'n1/n0', 'n1/n1', 'n2/n0', 'n2/n1', 'n3', 'n4']);
});

test('nested_branches: branch arms add no path segment, in case/other/else order', () => {
  assert.deepEqual(taskNodePaths(example('nested_branches')),
    ['n0', 'n1-n0', 'n1-n1-n0', 'n1-n1-n1', 'n1-n1-n2', 'n2']);
});

test('map_task: the array node sub-node keeps its own id as path', () => {
  assert.deepEqual(taskNodePaths(example('map_task')),
    ['n0', 'batch.scoring.map_score_shard_f6b1e918a2632ddd5c98c2ee1979da19-arraynode', 'n2']);
});

test('reference_workflow: gate and launch-plan nodes are drawn but hold no task', () => {
  const g = buildGraph(example('reference_workflow'));
  assert.deepEqual(g.taskPaths, ['n0', 'n1/n0', 'n1/n1', 'n2']);
  const kinds = Object.fromEntries(g.nodes.map((n) => [n.path, n.kind]));
  assert.equal(kinds.n3, 'gate');
  assert.equal(kinds.n4, 'launchplan');
  assert.equal(kinds.n1, 'subworkflow');
});

test('hooks declared on nodes, draft runtimeOverrideName included', () => {
  const g = buildGraph(example('reference_workflow'));
  const hooks = Object.fromEntries(g.nodes.map((n) => [n.path, n.hooks]));
  assert.deepEqual(hooks.n0, ['load']);
  assert.deepEqual(hooks['n1/n1'], ['score']);
  const tp = buildGraph(example('training_pipeline'));
  assert.deepEqual(tp.nodes.find((n) => n.path === 'n2').hooks, ['challenger']);
  assert.deepEqual(tp.nodes.find((n) => n.path === 'n2/n0').hooks, ['train']);
});

test('groups contain their children and are painted first', () => {
  const g = buildGraph(example('nested_branches'));
  const outer = g.nodes.find((n) => n.path === 'n1');
  const inner = g.nodes.find((n) => n.path === 'n1-n1-n1');
  assert.ok(outer.group);
  assert.ok(inner.x >= outer.x && inner.x + inner.w <= outer.x + outer.w);
  assert.ok(inner.y >= outer.y && inner.y + inner.h <= outer.y + outer.h);
  assert.ok(g.nodes.indexOf(outer) < g.nodes.indexOf(inner));
  assert.equal(inner.arm, 'elif');
});

test('layers follow upstream ids: every edge goes left to right', () => {
  const g = buildGraph(example('training_pipeline'));
  assert.equal(g.edges.length, 8);
  for (const e of g.edges) assert.ok(e.x1 < e.x2, `${e.from} -> ${e.to}`);
  for (const n of g.nodes) assert.ok(n.x + n.w <= g.width && n.y + n.h <= g.height);
});

test('the admin Workflow wrapper is unwrapped; anything else is refused', () => {
  const closure = example('map_task');
  assert.equal(unwrapClosure({ id: {}, closure: { compiledWorkflow: closure } }), closure);
  assert.throws(() => unwrapClosure({ hello: 1 }), /no primary workflow/);
  assert.throws(() => unwrapClosure([1]), /JSON object/);
});

test('a sub-workflow that calls itself stops instead of recursing forever', () => {
  const id = { resourceType: 'WORKFLOW', project: 'p', domain: 'd', name: 'loop', version: '1' };
  const template = { id, nodes: [{ id: 'n0', workflowNode: { subWorkflowRef: id } }] };
  const g = buildGraph({ primary: { template }, subWorkflows: [{ template }] });
  assert.ok(g.nodes.length >= 1 && g.nodes.length < 100);
});

test('snake_case closures read alike', () => {
  const closure = {
    primary: { template: { id: { name: 'w' }, nodes: [
      { id: 'a', task_node: { reference_id: { name: 't', version: '1' }, runtime_override_name: 'h' } },
      { id: 'b', upstream_node_ids: ['a'], task_node: { reference_id: { name: 't' } } },
    ] } },
  };
  const g = buildGraph(closure);
  assert.deepEqual(g.taskPaths, ['a', 'b']);
  assert.deepEqual(g.nodes.find((n) => n.path === 'a').hooks, ['h']);
  assert.equal(g.edges.length, 1);
});
