// Size of what each entry ships (wasm + its one bundled JS module, each file gzip -9; see size.mjs), asserted
// per entry. The budget is 35 KB gzipped; the binding does not meet it yet (benches/README.md has the
// numbers and what is left), so this test holds the line at CEILING to catch regressions, and must be
// tightened as the size comes down.
//
// 77.9 KB today: this interim binding drives the core's native async driver, which now runs over the
// protocol machine, so it carries both the machine and the driver (futures, serde_json, core::fmt). The
// JS-driven build of the machine (the "JS hosts" issue) drops the driver: the machine alone has no
// dependency at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ENTRIES, measure } from '../size.mjs';

/** The budget (not met yet). */
export const BUDGET = 35 * 1024;
/** Today's ceiling: the measured size plus a little headroom for compiler drift. */
export const CEILING = 79 * 1024;

for (const entry of ENTRIES) {
  test(`${entry}: wasm plus its JS stays under the size ceiling (gzip -9)`, () => {
    const m = measure(entry);
    // The entry is one self-contained module: the glue (which names its wasm imports `__wbg_...`) is inside.
    assert.deepEqual(m.files.map((f) => f.file), [`dist/${entry}.js`, 'pkg/minicloud_wasm_bg.wasm']);
    assert.match(readFileSync(new URL(`../dist/${entry}.js`, import.meta.url), 'utf8'), /__wbg_/, 'the glue is bundled');
    assert.ok(m.totalGzip <= CEILING, `${entry} ships ${m.totalGzip} bytes gzipped, over the ${CEILING}-byte ceiling`);
  });
}

test('every entry loads the same wasm binary', () => {
  const wasm = new Set(ENTRIES.map((e) => measure(e).wasmGzip));
  assert.equal(wasm.size, 1);
});
