// Adjusts wasm-bindgen's `--target web` glue (generated with --experimental-reset-state-function) for the
// mini-program hosts and for replacing a trapped instance, failing loudly if the glue changed:
// - exports its imports builder, finalizer and loader, so js/baas.js (and a host loader such as WeChat's
//   WXWebAssembly.instantiate(path, imports)) can instantiate the binary itself;
// - drops the `import.meta.url` default location, which mini-program compilers cannot parse; the web entry
//   passes that location itself;
// - lets `__wbg_reset_state(instance)` adopt an instance made by the caller (a host loader is asynchronous and
//   may not expose a WebAssembly.Module), instead of building one synchronously from the module;
// - makes a trap in a callback (a future being polled, a host answer arriving) reach js/baas.js through
//   `__wbg_on_trap(hook)` instead of escaping into the event loop, where it would leave the calls pending;
//   `__wbg_retire()` ends the trapped instance at once: its callbacks then do nothing and its closures are
//   never destroyed into it (wasm-bindgen's own stale-instance checks make the first throw; here they return).
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
let glue = readFileSync(file, 'utf8');
const replace = (from, to) => {
  const n = glue.split(from).length - 1;
  if (n !== 1) throw new Error(`patch-glue: ${file} contains ${JSON.stringify(from)} ${n} times, expected once`);
  glue = glue.replace(from, to);
};
replace(
  "module_or_path = new URL('minicloud_wasm_bg.wasm', import.meta.url);",
  "throw new Error('minicloud-wasm: pass the wasm binary to BaaS.init(clientID, {wasm})');",
);
replace('export function __wbg_reset_state () {', 'export function __wbg_reset_state (instance) {');
replace(
  'wasmInstance = new WebAssembly.Instance(wasmModule, __wbg_get_imports());',
  'wasmInstance = instance || new WebAssembly.Instance(wasmModule, __wbg_get_imports());',
);
replace("throw new Error('Cannot invoke closure from previous WASM instance');", 'return;');
replace(
  `            return f(a, state.b, ...args);
        } finally {`,
  `            return f(a, state.b, ...args);
        } catch (e) {
            if (!__wbg_trap_hook || !__wbg_trap_hook(e)) throw e;
        } finally {`,
);
replace('if (--state.cnt === 0) {', 'if (--state.cnt === 0 && state.instance === __wbg_instance_id) {');
for (const fn of ['function __wbg_get_imports(', 'function __wbg_finalize_init(', 'async function __wbg_load(']) {
  if (!glue.includes(fn)) throw new Error(`patch-glue: ${file} has no ${fn}`);
}
if (glue.includes('import.meta')) throw new Error('patch-glue: the glue still uses import.meta');
glue += `
let __wbg_trap_hook = null;
/** minicloud: \`hook(error)\` sees every error thrown out of the wasm in a callback and returns true when it
 * handled it as a trap (the callback then ends quietly). */
export function __wbg_on_trap(hook) {
    __wbg_trap_hook = hook;
}
/** minicloud: retires the current instance after a trap: its objects and callbacks become stale. */
export function __wbg_retire() {
    __wbg_instance_id++;
}
export { __wbg_get_imports, __wbg_finalize_init, __wbg_load };
`;
writeFileSync(file, glue);
