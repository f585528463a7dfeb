// Applies wasm-opt's --minify-imports-and-exports-and-modules to the wasm-bindgen glue, failing loudly if anything
// does not line up: wasm-opt renames the binary's import module, import names and export names to one or two
// letters (they are long hashed names such as `__wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc`, which cost
// bytes in both files) and prints the mapping as JSON; this script renames the same things in the glue.
// Usage: node js/rename-glue.mjs <glue.js> <mapping.json> <wasm>
import { readFileSync, writeFileSync } from 'node:fs';

const [file, mappingFile, wasmFile] = process.argv.slice(2);
let glue = readFileSync(file, 'utf8');
const mapping = JSON.parse(readFileSync(mappingFile, 'utf8'));
const module = new WebAssembly.Module(readFileSync(wasmFile));
const fail = (why) => {
  throw new Error(`rename-glue: ${why}`);
};

const escape = (s) => s.replace(/[$]/g, '\\$');
const renameAll = (re, to, what) => {
  const before = glue;
  glue = glue.replace(re, to);
  if (glue === before) fail(`${file} has no ${what}`);
};

// The import module: one object in the glue's imports, keyed by the module name.
const modules = new Set(mapping.imports.map(([m]) => m));
const newModules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
if (modules.size !== 1 || newModules.size !== 1) fail('expected exactly one import module');
const [oldModule] = modules;
const [newModule] = newModules;
renameAll(`${JSON.stringify(oldModule)}: import0`, `${JSON.stringify(newModule)}: import0`, `the module ${oldModule}`);

// Import names: keys of the glue's import object (`        name: function(`).
for (const [, from, to] of mapping.imports) {
  renameAll(new RegExp(`^(\\s+)${escape(from)}(: function\\()`, 'm'), `$1${to}$2`, `an import ${from}`);
}
// Export names: always read as `wasm.name`.
for (const [from, to] of mapping.exports) {
  if (!glue.includes(`wasm.${from}`)) continue; // exports the glue never calls (e.g. __abort_handler)
  glue = glue.split(new RegExp(`\\bwasm\\.${escape(from)}\\b`)).join(`wasm.${to}`);
}

// Everything the glue reads from `wasm.` and every import the binary asks for must now match.
const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
for (const m of glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)) {
  if (!exported.has(m[1])) fail(`the glue reads wasm.${m[1]}, which the binary does not export`);
}
for (const i of WebAssembly.Module.imports(module)) {
  if (!new RegExp(`^\\s+${escape(i.name)}: function\\(`, 'm').test(glue)) fail(`the glue does not provide ${i.name}`);
}
writeFileSync(file, glue);
