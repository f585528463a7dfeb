// Measures what each entry ships: the wasm binary plus the entry's JS, `dist/<entry>.js` (build.sh bundles its
// adapter, the shared BaaS layer, the runtime shims and the wasm-bindgen glue into that one minified module)
// and any module it still imports, each file gzipped on its own with GNU `gzip -9` (as a CDN or a
// mini-program package compresses files one by one). `node size.mjs` prints a table.

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));
export const ENTRIES = ['wx', 'qq', 'my', 'swan', 'tt', 'jd', 'ks', 'web'];
export const WASM = join(ROOT, 'pkg/minicloud_wasm_bg.wasm');

/** Every JS file an entry loads, following its static relative imports. */
export function moduleGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:\bfrom|^import|\nimport)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      visit(join(dirname(file), m[1]));
    }
  };
  visit(join(ROOT, 'dist', `${entry}.js`));
  return [...seen];
}

/** GNU `gzip -9` size of a file (what `gzip -9c file | wc -c` prints). */
const gz = (file) => execFileSync('gzip', ['-9c', file], { maxBuffer: 1 << 26 }).length;

/** {entry, files: [{file, raw, gzip}], jsGzip, wasmGzip, totalGzip} for one entry. */
export function measure(entry) {
  const files = [...moduleGraph(entry), WASM].map((file) => ({
    file: relative(ROOT, file),
    raw: readFileSync(file).length,
    gzip: gz(file),
  }));
  const wasmGzip = files.find((f) => f.file.endsWith('.wasm')).gzip;
  const totalGzip = files.reduce((n, f) => n + f.gzip, 0);
  return { entry, files, jsGzip: totalGzip - wasmGzip, wasmGzip, totalGzip };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kb = (n) => (n / 1024).toFixed(1);
  console.log('| entry | wasm (gzip) | JS: glue + BaaS + adapter (gzip) | total (gzip) |');
  console.log('| --- | --- | --- | --- |');
  for (const e of ENTRIES) {
    const m = measure(e);
    console.log(`| ${e} | ${kb(m.wasmGzip)} KB | ${kb(m.jsGzip)} KB | ${kb(m.totalGzip)} KB |`);
  }
}
