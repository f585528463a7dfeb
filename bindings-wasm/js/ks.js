// minicloud-wasm/ks (and minicloud-wasm/ks/js): BaaS for Kuaishou mini-programs, over the global `ks` (also reachable
// as ks.BaaS). The host documents no WebAssembly in the mini-program logic layer, so this entry runs the JS
// build (the same core through wasm2js, core.mjs/core.js beside it); BaaS.init's `wasm` option (bytes, a Module
// or a loader) runs the wasm build instead.

import { hostEntry, jsBuild } from './entry.js';
import { ksHost } from './hosts/specs.js';
import { instantiate } from './core.mjs';

export const { BaaS, createBaaS } = hostEntry({ ...ksHost, builds: [jsBuild(instantiate)], ship: 'ship core.js beside the entry' });
export default BaaS;
