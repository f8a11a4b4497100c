// Override maps as YAML that overridectl reads back to the same JSON. Pure.
//
// overridectl (tools/inputs.cc) reads every scalar outside task_config as a
// string, so only `null` and `~` are special there; inside task_config it
// types plain scalars (true, false, null, numbers). Other YAML readers type
// far more (yes, off, 0x1F, .inf, dates), so every string a YAML 1.1 or 1.2
// reader could take for anything but itself is quoted, wherever it stands.

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./+=@()-]*(?: [A-Za-z0-9_./+=@()-]+)*$/;
const RETYPED = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
// Anything a reader might take for a number, a date or a time: digits with
// signs, dots, exponents, colons, underscores, 0x/0o/0b prefixes.
const NUMBERISH = /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$|^[-+]?0[xXoObB][0-9a-fA-F_]+$|^[0-9][0-9_:.-]*(?:[ Tt][0-9:. +-]*Z?)?$/;

export function needsQuotes(text) {
  if (text === '') return true;
  if (RETYPED.test(text)) return true;
  if (NUMBERISH.test(text)) return true;
  return !PLAIN_SAFE.test(text);
}

// JSON's double-quoted string is also a YAML double-quoted scalar: the same
// escapes (\" \\ \n \t \uXXXX) mean the same there.
export function quote(text) {
  return JSON.stringify(text);
}

export function scalar(value) {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
    return String(value);
  }
  const text = String(value);
  return needsQuotes(text) ? quote(text) : text;
}

function key(text) {
  return needsQuotes(text) ? quote(text) : text;
}

function isEmptyCollection(value) {
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

function emit(value, indent, lines) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !isEmptyCollection(item)) {
        // The first member goes on the dash's line, the rest under it.
        const inner = [];
        emit(item, indent + 2, inner);
        inner[0] = `${pad}- ${inner[0].slice(indent + 2)}`;
        lines.push(...inner);
      } else {
        lines.push(`${pad}- ${inline(item)}`);
      }
    }
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !isEmptyCollection(v)) {
      lines.push(`${pad}${key(k)}:`);
      emit(v, indent + 2, lines);
    } else {
      lines.push(`${pad}${key(k)}: ${inline(v)}`);
    }
  }
}

function inline(value) {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalar(value);
}

// A whole document: `{}` for an empty map, else block style.
export function toYaml(value) {
  if (value === null || typeof value !== 'object' || isEmptyCollection(value)) return inline(value) + '\n';
  const lines = [];
  emit(value, 0, lines);
  return lines.join('\n') + '\n';
}
