// Turns binaryen's wasm2js output into a module whose one export, `instantiate()`, makes a fresh instance
// (`{memory, mc_alloc, mc_run}`, the same exports as the WebAssembly build): wasm2js runs its module once at
// load time and exports that single instance, but a trapped core must be replaceable, and an entry that
// never needs the JS build must be able to leave it out (nothing runs at import time).
// Usage: node js/wrap-wasm2js.mjs <wasm2js output> <out.mjs>
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const source = readFileSync(input, 'utf8');
const tail = /\nvar retasmFunc = asmFunc\(\{\s*\}\);\n(export var \w+ = retasmFunc\.\w+;\n)+$/;
if (!tail.test(source)) throw new Error(`wrap-wasm2js: ${input} does not end the way wasm2js output does`);
if (/\bimport\b[^(]/.test(source.replace(tail, ''))) throw new Error(`wrap-wasm2js: ${input} has imports; the core must have none`);
// wasm2js writes the data segments as base64, which gzip and brotli can hardly shrink; most of the bytes are
// the core's message texts. They go in as JS string literals instead (one character per byte, `\xNN` for
// bytes outside printable ASCII), copied into memory by a short loop in place of the base64 decoder.
const decoder = /\n {2}var base64ReverseLookup = [^]*?\n {2}function base64DecodeToExistingUint8Array\([^]*?\n {2}\}\n/;
if (!decoder.test(source)) throw new Error(`wrap-wasm2js: ${input} has no base64 decoder where wasm2js writes it`);
const literal = (bytes) =>
  [...bytes]
    .map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`))
    .join('');
const body = source
  .replace(tail, '\n')
  .replace(
    decoder,
    '\n  function bytesToExistingUint8Array(uint8Array, offset, bytes) {\n' +
      '    for (var i = 0; i < bytes.length; i++) uint8Array[offset + i] = bytes.charCodeAt(i);\n  }\n',
  )
  .replace(
    /base64DecodeToExistingUint8Array\(bufferView, (\d+), "([A-Za-z0-9+/=]*)"\)/g,
    (_, offset, b64) => `bytesToExistingUint8Array(bufferView, ${offset}, "${literal(Buffer.from(b64, 'base64'))}")`,
  );
if (/base64/.test(body)) throw new Error(`wrap-wasm2js: ${input} has base64 data this script does not convert`);
writeFileSync(output, `export function instantiate() {\n${body}\nreturn asmFunc({});\n}\n`);
