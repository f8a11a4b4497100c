import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protectedBy } from '../hook_cards.js';

test('protected environment globs match whole keys, case-sensitively', () => {
  const policy = { protectedEnvironment: ['FLYTE_*', 'AWS_?EY', 'GOOGLE_APPLICATION_CREDENTIALS'] };
  assert.equal(protectedBy(policy, 'FLYTE_PROJECT'), 'FLYTE_*');
  assert.equal(protectedBy(policy, 'AWS_KEY'), 'AWS_?EY');
  assert.equal(protectedBy(policy, 'GOOGLE_APPLICATION_CREDENTIALS'), 'GOOGLE_APPLICATION_CREDENTIALS');
  assert.equal(protectedBy(policy, 'flyte_project'), '');
  assert.equal(protectedBy(policy, 'MY_FLYTE_X'), '');
  assert.equal(protectedBy(policy, 'AWS_KEYS'), '');
  assert.equal(protectedBy(undefined, 'FLYTE_X'), '');
});

test('glob text is literal apart from * and ?', () => {
  assert.equal(protectedBy({ protectedEnvironment: ['A.B'] }, 'AxB'), '');
  assert.equal(protectedBy({ protectedEnvironment: ['A.B'] }, 'A.B'), 'A.B');
});
