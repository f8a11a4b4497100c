import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  emptyFormState, setValue, setUnset, setEnv, overrideMaps, formFromMaps, locateViolation,
  fixedRule, limitFor, inputId,
} from '../override_form.js';

test('typed inputs become a TaskNodeOverrides document with flyteidl JSON names', () => {
  const s = emptyFormState();
  setValue(s, 'execution', 'train', 'resources.requests.memory', '48Gi');
  setValue(s, 'execution', 'train', 'resources.limits.memory', ' 64Gi ');
  setValue(s, 'execution', 'train', 'resources.limits.gpu', '2');
  setValue(s, 'execution', 'train', 'retries', '3');
  setValue(s, 'execution', 'train', 'cache', 'false');
  setValue(s, 'execution', 'train', 'cache_serializable', 'true');
  setValue(s, 'execution', 'train', 'cache_version', '2026-12-01');
  setValue(s, 'execution', 'train', 'interruptible', 'false');
  setValue(s, 'execution', 'train', 'container_image', 'ghcr.io/acme/trainer:2');
  setValue(s, 'execution', 'train', 'task_config', '{"runPolicy": {"backoffLimit": null}}');
  setEnv(s, 'execution', 'train', [{ key: 'LOG_LEVEL', value: 'DEBUG' }, { key: 'OLD', remove: true }, { key: '', value: 'x' }]);
  setUnset(s, 'execution', 'train', 'resources.limits.cpu', true);
  const { execution, launchPlan, errors } = overrideMaps(s);
  assert.deepEqual(errors, []);
  assert.deepEqual(launchPlan, {});
  assert.deepEqual(execution, {
    train: {
      resources: {
        requests: [{ name: 'MEMORY', value: '48Gi' }],
        limits: [{ name: 'MEMORY', value: '64Gi' }, { name: 'GPU', value: '2' }],
      },
      retries: 3,
      cache: false,
      cacheSerializable: true,
      cacheVersion: '2026-12-01',
      interruptible: false,
      containerImage: 'ghcr.io/acme/trainer:2',
      taskConfig: { runPolicy: { backoffLimit: null } },
      environment: { LOG_LEVEL: 'DEBUG' },
      unset: ['environment.OLD', 'resources.limits.cpu'],
    },
  });
});

test('what the server must judge is sent as typed; what cannot be sent is an error', () => {
  const s = emptyFormState();
  setValue(s, 'launchPlan', 'train', 'resources.limits.cpu', '12 cores');
  setValue(s, 'launchPlan', 'train', 'retries', 'many');
  setValue(s, 'launchPlan', 'train', 'task_config', '{oops');
  const { launchPlan, errors } = overrideMaps(s);
  assert.deepEqual(launchPlan.train.resources.limits, [{ name: 'CPU', value: '12 cores' }]);
  assert.equal(launchPlan.train.retries, 'many');
  assert.equal(launchPlan.train.taskConfig, undefined);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].path, 'task_config');
  assert.match(errors[0].message, /^not JSON/);
});

test('unset wins over a value typed in the same field, and clearing a field removes it', () => {
  const s = emptyFormState();
  setValue(s, 'execution', 'h', 'container_image', 'x');
  setUnset(s, 'execution', 'h', 'container_image', true);
  assert.deepEqual(overrideMaps(s).execution, { h: { unset: ['container_image'] } });
  setUnset(s, 'execution', 'h', 'container_image', false);
  setValue(s, 'execution', 'h', 'container_image', '');
  assert.deepEqual(overrideMaps(s).execution, {});
});

test('the bundled examples round-trip through the form', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const read = (p) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../examples/${p}`, import.meta.url)), 'utf8'));
  for (const name of ['nested_branches', 'map_task', 'reference_workflow', 'implicit_hooks', 'policy']) {
    const lp = read(`${name}/launch_plan.json`);
    const ex = read(`${name}/execution.json`);
    const { layers, skipped } = formFromMaps(lp, ex);
    assert.deepEqual(skipped, [], name);
    const s = { ...emptyFormState(), layers };
    const maps = overrideMaps(s);
    const norm = (m) => JSON.parse(JSON.stringify(m, (k, v) => (v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort()) : v)));
    const sortEntries = (m) => { for (const d of Object.values(m)) for (const side of ['requests', 'limits']) d.resources?.[side]?.sort((a, b) => a.name.localeCompare(b.name)); return m; };
    assert.deepEqual(norm(sortEntries(maps.launchPlan)), norm(sortEntries(lp)), name);
    assert.deepEqual(norm(sortEntries(maps.execution)), norm(sortEntries(ex)), name);
  }
});

test('fields the form has no input for are reported, not dropped silently', () => {
  const { skipped } = formFromMaps({ train: { extendedResources: { gpuAccelerator: { device: 'a100' } } } }, {});
  assert.deepEqual(skipped, ['launch_plan_overrides[train].extendedResources']);
});

test('Violation.field names the input it belongs to', () => {
  assert.deepEqual(locateViolation({ field: 'execution_overrides[train].resources.limits.cpu' }),
    { layer: 'execution', hook: 'train', path: 'resources.limits.cpu' });
  assert.deepEqual(locateViolation({ field: 'launch_plan_overrides[evaluate].retries' }),
    { layer: 'launchPlan', hook: 'evaluate', path: 'retries' });
  assert.deepEqual(locateViolation({ field: 'execution_overrides[train].environment.1BAD-KEY' }),
    { layer: 'execution', hook: 'train', path: 'environment' });
  assert.deepEqual(locateViolation({ field: 'execution_overrides[trian]' }),
    { layer: 'execution', hook: 'trian', path: '' });
  assert.deepEqual(locateViolation({ field: 'execution_overrides[challenger].container_image' }),
    { layer: 'execution', hook: 'challenger', path: 'container_image' });
  assert.deepEqual(locateViolation({ field: 'execution_overrides[t].taskConfig.a' }),
    { layer: 'execution', hook: 't', path: 'task_config' });
  assert.deepEqual(locateViolation({ field: 'execution_overrides[t].unset[0]' }),
    { layer: 'execution', hook: 't', path: 'unset' });
  assert.deepEqual(locateViolation({ field: 'execution_overrides[t].resources.requests[1].value' }),
    { layer: 'execution', hook: 't', path: '' });
});

test('merged checks name a node: the hook and layer members place them', () => {
  assert.deepEqual(locateViolation({
    field: 'node n0 resources.requests.memory', hook: 'train', layer: 'EXECUTION', nodePath: 'n0',
  }), { layer: 'execution', hook: 'train', path: 'resources.requests.memory' });
  assert.equal(locateViolation({ field: 'closure.primary', reason: 'BAD_CLOSURE' }), null);
  assert.equal(locateViolation({ field: 'node n2 runtime_override.defaults.container_image', hook: 'c', layer: 'DECORATOR' }), null);
});

test('fixed fields cover what lies beneath them; limits are looked up by field', () => {
  const policy = {
    fixedFields: ['container_image', 'pod_template', 'resources.limits.gpu', 'environment'],
    limits: [{ field: 'resources.limits.memory', max: '96Gi', action: 'clamp' }, { field: 'retries', max: '3', action: 'reject' }],
  };
  assert.equal(fixedRule(policy, 'container_image'), 'container_image');
  assert.equal(fixedRule(policy, 'resources.limits.gpu'), 'resources.limits.gpu');
  assert.equal(fixedRule(policy, 'resources.limits.cpu'), '');
  assert.equal(fixedRule(policy, 'environment.X'), 'environment');
  assert.equal(fixedRule({ fixedFields: ['resources'] }, 'resources.requests.cpu'), 'resources');
  assert.equal(fixedRule(undefined, 'retries'), '');
  assert.deepEqual(limitFor(policy, 'retries'), { field: 'retries', max: '3', action: 'reject' });
  assert.equal(limitFor(policy, 'resources.limits.cpu'), null);
});

test('input ids are stable and readable', () => {
  assert.equal(inputId('execution', 'train', 'resources.limits.cpu'), 'in-execution-train-resources.limits.cpu');
});
