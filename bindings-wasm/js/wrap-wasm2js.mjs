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
const body = source.replace(tail, '\n');
writeFileSync(output, `export function instantiate() {\n${body}\nreturn asmFunc({});\n}\n`);
