import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toYaml, scalar, needsQuotes } from '../yaml.js';

test('strings YAML would retype are quoted', () => {
  for (const s of ['true', 'false', 'True', 'yes', 'no', 'on', 'off', 'y', 'N', 'null', 'Null', '~', '',
    '1', '0', '0.5', '1e3', '-2', '+3', '.5', '1_000', '0x1F', '0o17', '.inf', '-.inf', '.nan', '12:30',
    '2026-12-01', '1.4.0']) {
    assert.ok(needsQuotes(s), s);
    assert.equal(scalar(s), JSON.stringify(s));
  }
});

test('strings with leading specials or YAML punctuation are quoted', () => {
  for (const s of ['-x', '*ref', '&a', '!tag', '@x', '`x', '%x', '|', '>', '[a]', '{a}', '#c', '?', ',',
    "'q'", '"q"', 'a: b', 'a #c', 'ghcr.io/acme/trainer:1.4.0', ' lead', 'trail ', 'two\nlines', 'tab\t']) {
    assert.ok(needsQuotes(s), JSON.stringify(s));
  }
});

test('plain words, quantities and dotted keys stay plain', () => {
  for (const s of ['train', '48Gi', '500m', 'spark.executor.memory', 'DEBUG', 'v1', 'a b', 'resources.limits.cpu', 'LOG_LEVEL']) {
    assert.equal(needsQuotes(s), false, s);
    assert.equal(scalar(s), s);
  }
});

test('non-strings keep their type', () => {
  assert.equal(scalar(true), 'true');
  assert.equal(scalar(false), 'false');
  assert.equal(scalar(null), 'null');
  assert.equal(scalar(3), '3');
  assert.equal(scalar(0.25), '0.25');
  assert.throws(() => scalar(NaN));
});

test('an override map in block style, lists of objects under dashes', () => {
  const doc = {
    train: {
      resources: { requests: [{ name: 'MEMORY', value: '48Gi' }], limits: [{ name: 'CPU', value: '1.5' }] },
      retries: 3,
      cache: false,
      environment: { LOG_LEVEL: 'DEBUG', FLAG: 'true', EMPTY: '' },
      taskConfig: { sparkConf: { 'spark.executor.memory': null, 'spark.x': '4g' }, list: [1, 'two'], empty: {} },
      unset: ['resources.limits.cpu'],
    },
  };
  assert.equal(toYaml(doc), [
    'train:',
    '  resources:',
    '    requests:',
    '      - name: MEMORY',
    '        value: 48Gi',
    '    limits:',
    '      - name: CPU',
    '        value: "1.5"',
    '  retries: 3',
    '  cache: false',
    '  environment:',
    '    LOG_LEVEL: DEBUG',
    '    FLAG: "true"',
    '    EMPTY: ""',
    '  taskConfig:',
    '    sparkConf:',
    '      spark.executor.memory: null',
    '      spark.x: 4g',
    '    list:',
    '      - 1',
    '      - two',
    '    empty: {}',
    '  unset:',
    '    - resources.limits.cpu',
    '',
  ].join('\n'));
});

test('an empty map is {}', () => {
  assert.equal(toYaml({}), '{}\n');
});

test('keys that need it are quoted too', () => {
  assert.equal(toYaml({ 'a: b': 'x', 'yes': 'no' }), '"a: b": x\n"yes": "no"\n');
});

test('escapes survive: quotes, backslashes, control characters, non-ASCII', () => {
  const tricky = 'say "hi"\\ \u0001 é 🚀';
  assert.equal(scalar(tricky), JSON.stringify(tricky));
});
