// The form in the location hash, so a link restores it. Pure: uses only
// CompressionStream and TextEncoder, which browsers and node both have.
//
// The closure travels too (a link must work for someone who has not opened
// the workflow), deflated and base64url-encoded; a training pipeline's
// 26 kB closure becomes about 3 kB of hash.

const PREFIX = 's1.';

function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

// state: {closure, project, domain, implicitHooks, launchPlan, execution}
// where launchPlan/execution are override maps. Maps rather than raw inputs
// keep the link meaningful on its own and stable across console versions.
export async function encodeState(state) {
  const json = JSON.stringify({
    v: 1,
    closure: state.closure ?? null,
    project: state.project || '',
    domain: state.domain || '',
    implicitHooks: !!state.implicitHooks,
    launchPlan: state.launchPlan || {},
    execution: state.execution || {},
  });
  const deflated = await pipe(new TextEncoder().encode(json), new CompressionStream('deflate-raw'));
  return PREFIX + toBase64Url(deflated);
}

// The hash (with or without '#') back to the state; throws on a hash this
// console did not write, so the page can say the link is broken.
export async function decodeState(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text.startsWith(PREFIX)) throw new Error('not a console link (expected #s1.\u2026)');
  const inflated = await pipe(fromBase64Url(text.slice(PREFIX.length)), new DecompressionStream('deflate-raw'));
  const state = JSON.parse(new TextDecoder().decode(inflated));
  if (!state || state.v !== 1) throw new Error('this link was written by another version of the console');
  return {
    closure: state.closure,
    project: String(state.project || ''),
    domain: String(state.domain || ''),
    implicitHooks: !!state.implicitHooks,
    launchPlan: state.launchPlan || {},
    execution: state.execution || {},
  };
}
