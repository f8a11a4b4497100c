import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeState, decodeState } from '../url_state.js';

const closure = JSON.parse(readFileSync(fileURLToPath(new URL('../../../examples/training_pipeline/closure.json', import.meta.url)), 'utf8'));

test('a form with its closure round-trips through the hash', async () => {
  const state = {
    closure, project: 'flytesnacks', domain: 'production', implicitHooks: true,
    launchPlan: { train: { retries: 4, environment: { 'K': 'é "q" 🚀' } } },
    execution: { challenger: { unset: ['container_image'], taskConfig: { a: null } } },
  };
  const hash = await encodeState(state);
  assert.match(hash, /^s1\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeState('#' + hash), state);
  assert.deepEqual(await decodeState(hash), state);
});

test('the hash is far smaller than the closure and URL-safe', async () => {
  const hash = await encodeState({ closure, launchPlan: {}, execution: {} });
  assert.ok(hash.length < JSON.stringify(closure).length / 4, `${hash.length}`);
  assert.equal(encodeURIComponent(hash), hash);
});

test('the same form always gives the same link', async () => {
  const s = { closure: { primary: {} }, launchPlan: { a: { retries: 1 } }, execution: {} };
  assert.equal(await encodeState(s), await encodeState(s));
});

test('defaults fill what a link leaves out', async () => {
  const decoded = await decodeState(await encodeState({}));
  assert.deepEqual(decoded, { closure: null, project: '', domain: '', implicitHooks: false, launchPlan: {}, execution: {} });
});

test('links this console did not write are refused', async () => {
  await assert.rejects(decodeState('#hello'), /not a console link/);
  await assert.rejects(decodeState('#s1.!!!!'));
});
