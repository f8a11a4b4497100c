// api.js against a stand-in fetch: what the page sends and how refusals
// become HttpError values carrying the server's own words.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../api.js';

let calls;
let answer;
beforeEach(() => {
  calls = [];
  answer = { status: 200, body: '{}' };
  const store = new Map();
  globalThis.sessionStorage = {
    getItem: (k) => (store.has(k) ? store.get(k) : null),
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k),
  };
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    if (answer.throws) throw answer.throws;
    return new Response(answer.body, { status: answer.status });
  };
});

test('a resolve is a JSON POST; no token, no Authorization header', async () => {
  answer.body = '{"nodes":[],"inputDigest":"ab"}';
  const got = await api.resolve({ closure: {} });
  assert.deepEqual(got, { nodes: [], inputDigest: 'ab' });
  assert.equal(calls[0].url, '/v1/resolve');
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.body, '{"closure":{}}');
  assert.equal(calls[0].init.headers.Authorization, undefined);
});

test('the bearer token is kept for the session and sent with every call', async () => {
  api.setToken('t0k3n');
  assert.equal(api.getToken(), 't0k3n');
  await api.inspect({ closure: {} });
  assert.equal(calls[0].init.headers.Authorization, 'Bearer t0k3n');
  api.setToken('');
  assert.equal(api.getToken(), '');
});

test('a refusal keeps the message, code, violations and warnings as sent', async () => {
  answer = { status: 400, body: JSON.stringify({
    code: 3, message: '1 violation: no hook named "trian"', status: 'INVALID_ARGUMENT',
    violations: [{ field: 'execution_overrides[trian]', reason: 'UNKNOWN_HOOK' }],
    warnings: [{ field: 'x', reason: 'POLICY_MAX_LIMIT' }],
  }) };
  await assert.rejects(api.resolve({}), (e) => {
    assert.ok(e instanceof api.HttpError);
    assert.equal(e.message, '1 violation: no hook named "trian"');
    assert.equal(e.status, 400);
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.equal(e.violations[0].reason, 'UNKNOWN_HOOK');
    assert.equal(e.warnings.length, 1);
    return true;
  });
});

test('a body that is not JSON is quoted, and an unreachable server said so', async () => {
  answer = { status: 502, body: 'bad gateway' };
  await assert.rejects(api.inspect({}), /HTTP 502: bad gateway/);
  answer = { throws: new TypeError('Failed to fetch') };
  await assert.rejects(api.inspect({}), (e) => e.status === 0 && /did not answer/.test(e.message));
});

test('an abort stays an AbortError, so the page can ignore it', async () => {
  const abort = new DOMException('aborted', 'AbortError');
  answer = { throws: abort };
  await assert.rejects(api.resolve({}), (e) => e.name === 'AbortError');
});

test('executions: path segments escaped, explain asked, paging in the query', async () => {
  answer.body = '{"executions":[]}';
  await api.getExecution('p', 'd', 'a/b c');
  assert.equal(calls[0].url, '/v1/executions/p/d/a%2Fb%20c?explain=true');
  await api.listExecutions('p', 'd', 20, 'tok=');
  assert.equal(calls[1].url, '/v1/executions/p/d?page_size=20&page_token=tok%3D');
  await api.listExecutions('p', 'd', 0, '');
  assert.equal(calls[2].url, '/v1/executions/p/d');
});
