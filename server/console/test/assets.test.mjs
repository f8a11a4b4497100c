// The page's files refer only to each other: every relative import of a
// module and every src/href of index.html names a console file, and nothing
// is loaded from another host (the console works with no network but the
// server's).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = readdirSync(consoleDir).filter((f) => /\.(html|js|css|svg)$/.test(f));
const read = (name) => readFileSync(join(consoleDir, name), 'utf8');

function references(name) {
  const text = read(name);
  const found = [];
  const patterns = name.endsWith('.html')
    ? [/\b(?:src|href)="([^"]+)"/g]
    : name.endsWith('.js')
      ? [/\bimport\s[^'"]*?from\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
         /^\s*import\s*['"]([^'"]+)['"]/gm]
      : [/url\(\s*['"]?([^'")]+)['"]?\s*\)/g];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) found.push(match[1]);
  }
  return found;
}

test('index.html is among the console files', () => {
  assert.ok(files.includes('index.html'));
});

for (const name of files) {
  test(`${name} refers only to console files`, () => {
    for (const ref of references(name)) {
      if (ref.startsWith('data:') || ref.startsWith('#')) continue;
      assert.doesNotMatch(ref, /^[a-z]+:|^\/\//i, `${name} loads ${ref} from elsewhere`);
      const target = ref.replace(/^\.\//, '').replace(/^\/console\//, '').split(/[?#]/)[0];
      assert.ok(files.includes(target), `${name} refers to ${ref}, which is not a console file`);
    }
  });
}
