// Rewrites the raw control characters esbuild leaves in string literals (the JS build's data segments, see
// wrap-wasm2js.mjs) as `\xNN` escapes, so the shipped file is printable ASCII text: some mini-program
// toolchains and editors treat a file with control bytes as binary, and gzip and brotli shrink the escapes
// better than the raw bytes anyway. Only string literals can hold them in minified output; the check after
// the rewrite proves the file is plain text.
// Usage: node js/escape-controls.mjs <file.js>...
import { readFileSync, writeFileSync } from 'node:fs';

for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, 'latin1');
  const text = source.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (/[^\n\x20-\x7e]/.test(text)) throw new Error(`escape-controls: ${file} is not ASCII after esbuild`);
  writeFileSync(file, text, 'latin1');
}
