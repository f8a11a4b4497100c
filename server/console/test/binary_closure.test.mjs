import test from 'node:test';
import assert from 'node:assert/strict';
import { inspectRequestBytes, looksLikeJson } from '../binary_closure.js';

const bytes = (...b) => Uint8Array.from(b);

test('JSON is told from protobuf by its first byte', () => {
  assert.equal(looksLikeJson(new TextEncoder().encode('  \n{"primary": {}}')), true);
  assert.equal(looksLikeJson(new TextEncoder().encode('[1]')), true);
  assert.equal(looksLikeJson(bytes(0xef, 0xbb, 0xbf, 0x7b)), true);
  assert.equal(looksLikeJson(bytes(0x0a, 0x03, 0x0a, 0x01, 0x00)), false);
  assert.equal(looksLikeJson(bytes()), false);
  assert.equal(looksLikeJson(bytes(0xef, 0x7b)), false);
});

test('a short closure gets a one-byte length', () => {
  assert.deepEqual([...inspectRequestBytes(bytes(1, 2, 3))], [0x0a, 3, 1, 2, 3, 0x28, 1]);
  assert.deepEqual([...inspectRequestBytes(bytes())], [0x0a, 0, 0x28, 1]);
});

test('lengths past 127 are varints, least significant group first', () => {
  for (const [n, head] of [[127, [0x7f]], [128, [0x80, 0x01]], [300, [0xac, 0x02]],
    [16384, [0x80, 0x80, 0x01]], [2 ** 21, [0x80, 0x80, 0x80, 0x01]]]) {
    const out = inspectRequestBytes(new Uint8Array(n));
    assert.deepEqual([...out.subarray(0, 1 + head.length)], [0x0a, ...head], `length ${n}`);
    assert.equal(out.length, 1 + head.length + n + 2);
    assert.deepEqual([...out.subarray(out.length - 2)], [0x28, 0x01]);
  }
});
