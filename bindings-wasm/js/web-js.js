// minicloud-wasm/web/js: BaaS for browsers and webviews on the JS build alone (core.mjs beside this file), for
// pages that cannot run WebAssembly. Also sets the global `BaaS` unless one exists.

import { hostEntry, jsBuild } from './entry.js';
import { webBrowser } from './hosts/specs.js';
import { instantiate } from './core.mjs';

export const { BaaS, createBaaS } = hostEntry({ ...webBrowser, builds: [jsBuild(instantiate)], ship: 'serve core.mjs beside the entry' });
if (typeof globalThis !== 'undefined' && globalThis.BaaS === undefined) globalThis.BaaS = BaaS;
export default BaaS;
