// What each entry ships (size.mjs; benches/README.md has the numbers, the budgets and what the bytes are),
// held at ceilings so the size cannot grow unnoticed. Issue 17's budgets: the web entry (wasm + JS) at most
// 25 KB gzipped, the JS build at most 90 KB minified and 30 KB gzipped, a WeChat code package with the
// .wasm.br at most 45 KB added. The WeChat package meets its budget and is held to it; the other two do not
// yet, and are held at the measured size plus a little headroom for compiler drift (tighten as they come down).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTRIES, entry, jsBuild, wechatPackage } from '../size.mjs';

const KB = 1024;
/** Budget met: what a WeChat code package gains with wx.js and minicloud.wasm.br. */
export const WECHAT_PACKAGE_BUDGET = 45 * KB;
/** Budgets not met yet (25 KB and 90 KB / 30 KB): today's ceilings. */
export const WASM_ENTRY_CEILING_GZIP = 31.7 * KB;
export const JS_BUILD_CEILING_RAW = 108.0 * KB;
export const JS_BUILD_CEILING_GZIP = 35.1 * KB;

for (const name of Object.keys(ENTRIES)) {
  const wasm = ENTRIES[name].includes('dist/minicloud.wasm');
  test(`${name}: what the entry loads stays under its ceiling (gzip -9)`, () => {
    const m = entry(name);
    const ceiling = wasm ? WASM_ENTRY_CEILING_GZIP : JS_BUILD_CEILING_GZIP + 5 * KB;
    assert.ok(m.gzip <= ceiling, `${name} loads ${m.gzip} B gzipped, over the ${ceiling}-byte ceiling`);
  });
}

test('the JS build stays under its ceilings (minified, and gzip -9)', () => {
  const js = jsBuild();
  assert.ok(js.raw <= JS_BUILD_CEILING_RAW, `core.mjs is ${js.raw} B minified`);
  assert.ok(js.gzip <= JS_BUILD_CEILING_GZIP, `core.mjs is ${js.gzip} B gzipped`);
});

test('a WeChat code package gains at most 45 KB: wx.js and minicloud.wasm.br as stored', () => {
  const { used } = wechatPackage();
  assert.deepEqual(used.files.map((f) => f.file), ['miniprogram_dist/wx.js', 'miniprogram_dist/minicloud.wasm.br']);
  assert.ok(used.raw <= WECHAT_PACKAGE_BUDGET, `${used.raw} B`);
});

test('the entries share one binary and one JS build (no entry bundles its own core)', () => {
  const loaded = new Set(Object.values(ENTRIES).map((files) => files[1]));
  assert.deepEqual([...loaded].sort(), ['dist/core.mjs', 'dist/minicloud.wasm']);
  for (const name of Object.keys(ENTRIES)) {
    assert.ok(entry(name).files[0].raw < 20 * KB, `${name}'s own module bundles more than its adapter and driver`);
  }
});
