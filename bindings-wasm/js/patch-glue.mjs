// Adjusts wasm-bindgen's `--target web` glue for the mini-program hosts, failing loudly if the glue changed:
// - exports its imports builder and finalizer, so a host loader (WeChat's WXWebAssembly.instantiate(path,
//   imports)) can instantiate the binary itself;
// - drops the `import.meta.url` default location, which mini-program compilers cannot parse; the web entry
//   passes that location itself.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
let glue = readFileSync(file, 'utf8');
const replace = (from, to) => {
  if (!glue.includes(from)) throw new Error(`patch-glue: ${file} no longer contains ${JSON.stringify(from)}`);
  glue = glue.replace(from, to);
};
replace(
  "module_or_path = new URL('minicloud_wasm_bg.wasm', import.meta.url);",
  "throw new Error('minicloud-wasm: pass the wasm binary to BaaS.init(clientID, {wasm})');",
);
for (const fn of ['function __wbg_get_imports(', 'function __wbg_finalize_init(']) {
  if (!glue.includes(fn)) throw new Error(`patch-glue: ${file} has no ${fn}`);
}
if (glue.includes('import.meta')) throw new Error('patch-glue: the glue still uses import.meta');
glue += '\nexport { __wbg_get_imports, __wbg_finalize_init };\n';
writeFileSync(file, glue);
