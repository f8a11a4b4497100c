// A binary closure (CompiledWorkflowClosure bytes) sent to the server as an
// InspectWorkflowRequest, so the page needs no protobuf library: the
// request's field 1 (closure) is the bytes behind a tag and a length, and
// field 5 (include_closure) asks for the closure back as JSON.

// JSON starts with '{' or '[' after any whitespace; a closure's bytes
// start with a field tag, never one of those.
export function looksLikeJson(bytes) {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  for (const b of bytes.subarray(bom ? 3 : 0)) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b || b === 0x5b;
  }
  return false;
}

function varint(n) {
  const out = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

export function inspectRequestBytes(closureBytes) {
  const head = [0x0a, ...varint(closureBytes.length)];
  const tail = [0x28, 0x01];
  const out = new Uint8Array(head.length + closureBytes.length + tail.length);
  out.set(head, 0);
  out.set(closureBytes, head.length);
  out.set(tail, head.length + closureBytes.length);
  return out;
}
