// embed_assets.py writes each file as a char array, where a byte above 127
// does not compile; non-ASCII text is written as an escape (\u2026, &hellip;).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const consoleDir = join(dirname(fileURLToPath(import.meta.url)), '..');

for (const name of readdirSync(consoleDir).filter((f) => /\.(html|js|css|svg)$/.test(f))) {
  test(`${name} is ASCII`, () => {
    const text = readFileSync(join(consoleDir, name), 'latin1');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${name}: a byte above 127 at offset ${at}`);
  });
}
