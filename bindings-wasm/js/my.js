// minicloud-wasm/my (and minicloud-wasm/my/js): BaaS for Alipay mini-programs, over the global `my` (also reachable
// as my.BaaS). The host documents no WebAssembly in the mini-program logic layer, so this entry runs the JS
// build (the same core through wasm2js, core.mjs/core.js beside it); BaaS.init's `wasm` option (bytes, a Module
// or a loader) runs the wasm build instead.

import { hostEntry, jsBuild } from './entry.js';
import { myHost } from './hosts/specs.js';
import { instantiate } from './core.mjs';

export const { BaaS, createBaaS } = hostEntry({ ...myHost, builds: [jsBuild(instantiate)], ship: 'ship core.js beside the entry' });
export default BaaS;
