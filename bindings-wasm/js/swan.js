// minicloud-wasm/swan (and minicloud-wasm/swan/js): BaaS for Baidu smart programs, over the global `swan` (also reachable
// as swan.BaaS). The host documents no WebAssembly in the mini-program logic layer, so this entry runs the JS
// build (the same core through wasm2js, core.mjs/core.js beside it); BaaS.init's `wasm` option (bytes, a Module
// or a loader) runs the wasm build instead.

import { hostEntry, jsBuild } from './entry.js';
import { swanHost } from './hosts/specs.js';
import { instantiate } from './core.mjs';

export const { BaaS, createBaaS } = hostEntry({ ...swanHost, builds: [jsBuild(instantiate)], ship: 'ship core.js beside the entry' });
export default BaaS;
