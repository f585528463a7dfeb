// minicloud-wasm/web: BaaS for browsers and webviews, over fetch and localStorage (also set as the global
// `BaaS`, i.e. window.BaaS, unless one exists). Runs the core with the standard WebAssembly, fetching
// `minicloud.wasm` from beside this file (serve it as application/wasm); where WebAssembly is missing or
// refuses to run (iOS Lockdown Mode), it imports the JS build beside this file (core.mjs) instead.
// minicloud-wasm/web/js is the JS build alone.

import { hostEntry } from './entry.js';
import { wasmSource } from './baas.js';
import { webBrowser } from './hosts/specs.js';

export const { BaaS, createBaaS } = hostEntry({
  ...webBrowser,
  builds: [
    () => (typeof WebAssembly === 'object' ? ['wasm', wasmSource(new URL('./minicloud.wasm', import.meta.url))] : null),
    () => ['js', () => import('./core.mjs').then((m) => m.instantiate())],
  ],
  ship: 'serve minicloud.wasm (application/wasm) and core.mjs beside the entry',
});
if (typeof globalThis !== 'undefined' && globalThis.BaaS === undefined) globalThis.BaaS = BaaS;
export default BaaS;
