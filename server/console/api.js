// The JSON API over fetch: bodies in and out as JSON, refusals as HttpError
// objects carrying the server's own message and violations, cancellation by
// AbortController. Browser-only (fetch, sessionStorage), but no DOM.

export class HttpError extends Error {
  constructor(status, body, fallback) {
    const message = (body && body.message) || fallback || `HTTP ${status}`;
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = body && body.status ? body.status : '';
    this.violations = (body && body.violations) || [];
    this.warnings = (body && body.warnings) || [];
  }
}

const TOKEN_KEY = 'override-console-token';

// Kept per tab: a bearer token should not outlive the session that typed it.
export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lasts as long as the page */ }
}

async function call(method, path, body, signal) {
  const headers = { Accept: 'application/json' };
  // Bytes are a binary protobuf request (binary_closure.js); the answer is JSON all the same.
  const binary = body instanceof Uint8Array;
  if (body !== undefined) headers['Content-Type'] = binary ? 'application/x-protobuf' : 'application/json';
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined || binary ? body : JSON.stringify(body), signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new HttpError(0, null, `the server did not answer (${e.message}); is override-resolver still running?`);
  }
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  if (!response.ok) {
    throw new HttpError(response.status, parsed, text ? `HTTP ${response.status}: ${text.slice(0, 300)}` : `HTTP ${response.status}`);
  }
  if (parsed === null && text) throw new HttpError(response.status, null, 'the server answered with something that is not JSON');
  return parsed || {};
}

export function inspect(request, signal) {
  return call('POST', '/v1/inspect', request, signal);
}

// `requestBytes`: an InspectWorkflowRequest in binary protobuf.
export function inspectBinary(requestBytes, signal) {
  return call('POST', '/v1/inspect', requestBytes, signal);
}

export function resolve(request, signal) {
  return call('POST', '/v1/resolve', request, signal);
}

function segment(text) {
  return encodeURIComponent(text);
}

export function getExecution(project, domain, name, signal) {
  return call('GET', `/v1/executions/${segment(project)}/${segment(domain)}/${segment(name)}?explain=true`, undefined, signal);
}

export function listExecutions(project, domain, pageSize, pageToken, signal) {
  const query = new URLSearchParams();
  if (pageSize) query.set('page_size', String(pageSize));
  if (pageToken) query.set('page_token', pageToken);
  const q = query.toString();
  return call('GET', `/v1/executions/${segment(project)}/${segment(domain)}${q ? '?' + q : ''}`, undefined, signal);
}
