// Measures what minicloud-wasm ships, per entry, each file compressed on its own (as a CDN or a code package
// does) with GNU `gzip -9` and brotli (quality 11):
// - each ES module entry with what it loads: the wasm entries (wx, tt, web) with minicloud.wasm, the JS-build
//   entries (qq, my, swan, jd, ks, and wx/tt/web's /js) with core.mjs;
// - the JS build itself (core.mjs), minified;
// - what a WeChat code package gains (files as stored: JS as written, the binary as .wasm.br): wx.js and
//   minicloud.wasm.br, and everything 构建 npm copies (miniprogram_dist/) when nothing is filtered out.
// `node size.mjs` prints the tables benches/README.md shows.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { brotliCompressSync, constants } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const at = (file) => join(ROOT, file);

/** raw, gzip -9 and brotli-11 sizes of one file. */
export function sizes(file) {
  const bytes = readFileSync(at(file));
  return {
    file,
    raw: bytes.length,
    gzip: execFileSync('gzip', ['-9c', at(file)], { maxBuffer: 1 << 26 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const sum = (files) => ({
  files,
  raw: files.reduce((n, f) => n + f.raw, 0),
  gzip: files.reduce((n, f) => n + f.gzip, 0),
  brotli: files.reduce((n, f) => n + f.brotli, 0),
});

/** Every ES module entry and what it loads. */
export const ENTRIES = {
  wx: ['dist/wx.mjs', 'dist/minicloud.wasm'],
  tt: ['dist/tt.mjs', 'dist/minicloud.wasm'],
  web: ['dist/web.mjs', 'dist/minicloud.wasm'],
  'wx/js': ['dist/wx-js.mjs', 'dist/core.mjs'],
  'tt/js': ['dist/tt-js.mjs', 'dist/core.mjs'],
  'web/js': ['dist/web-js.mjs', 'dist/core.mjs'],
  qq: ['dist/qq.mjs', 'dist/core.mjs'],
  my: ['dist/my.mjs', 'dist/core.mjs'],
  swan: ['dist/swan.mjs', 'dist/core.mjs'],
  jd: ['dist/jd.mjs', 'dist/core.mjs'],
  ks: ['dist/ks.mjs', 'dist/core.mjs'],
};

/** An entry with what it loads. */
export const entry = (name) => sum(ENTRIES[name].map(sizes));

/** The JS build alone. */
export const jsBuild = () => sizes('dist/core.mjs');

/** A WeChat code package: the files the wx entry uses (wx.js, minicloud.wasm.br) as stored, and all of
 * miniprogram_dist/ (what 构建 npm copies when nothing is filtered out). */
export function wechatPackage() {
  const all = [];
  const walk = (dir) => {
    for (const name of readdirSync(at(dir))) {
      const file = `${dir}/${name}`;
      if (statSync(at(file)).isDirectory()) walk(file);
      else all.push(sizes(file));
    }
  };
  walk('miniprogram_dist');
  return { used: sum(['miniprogram_dist/wx.js', 'miniprogram_dist/minicloud.wasm.br'].map(sizes)), all: sum(all) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log('| entry | loads | raw | gzip -9 | brotli |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const name of Object.keys(ENTRIES)) {
    const m = entry(name);
    console.log(`| ${name} | ${m.files.map((f) => `${f.file.replace('dist/', '')} ${kb(f.gzip)}`).join(' + ')} | ${kb(m.raw)} | ${kb(m.gzip)} | ${kb(m.brotli)} |`);
  }
  const js = jsBuild();
  console.log(`\nJS build (core.mjs, minified): ${js.raw} B raw, ${js.gzip} B gzip -9, ${js.brotli} B brotli`);
  const { used, all } = wechatPackage();
  console.log(`WeChat package, wx.js + minicloud.wasm.br as stored: ${used.raw} B (${kb(used.raw)})`);
  console.log(`WeChat package, all of miniprogram_dist/ as stored: ${all.raw} B (${kb(all.raw)})`);
}
