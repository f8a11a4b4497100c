// JSON with object members sorted, so that two equal google.protobuf.Values
// give equal text whatever order their members came in. Pure.

export function canonical(value) {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).sort(compareBytes);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

// The value itself with members sorted, for printing.
export function sorted(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sorted);
  const out = {};
  for (const k of Object.keys(value).sort(compareBytes)) out[k] = sorted(value[k]);
  return out;
}

const encoder = new TextEncoder();

// Byte-wise order of the UTF-8 forms, as the server sorts node paths; JS's
// own < compares UTF-16 units, which differs above U+FFFF.
export function compareBytes(a, b) {
  if (a === b) return 0;
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}
