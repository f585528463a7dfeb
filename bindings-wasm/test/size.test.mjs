// Size of what each entry ships (wasm + the JS it loads, each file gzip -9; see size.mjs), asserted per
// entry. The budget is 35 KB gzipped; the binding does not meet it yet (benches/README.md has the
// numbers and what is left), so this test holds the line at CEILING to catch regressions, and must be
// tightened as the size comes down.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTRIES, measure } from '../size.mjs';

/** The budget (not met yet). */
export const BUDGET = 35 * 1024;
/** Today's ceiling: the measured size plus a little headroom for compiler drift. */
export const CEILING = 88 * 1024;

for (const entry of ENTRIES) {
  test(`${entry}: wasm plus its JS stays under the size ceiling (gzip -9)`, () => {
    const m = measure(entry);
    assert.ok(m.files.some((f) => f.file === 'pkg/minicloud_wasm.js'), 'the glue is counted');
    assert.ok(m.totalGzip <= CEILING, `${entry} ships ${m.totalGzip} bytes gzipped, over the ${CEILING}-byte ceiling`);
  });
}

test('every entry loads the same wasm binary', () => {
  const wasm = new Set(ENTRIES.map((e) => measure(e).wasmGzip));
  assert.equal(wasm.size, 1);
});
