// minicloud-wasm/wx/js: BaaS for WeChat mini-programs on the JS build alone (the core through wasm2js, core.mjs/core.js
// beside this file), for apps that ship no wasm or run where WXWebAssembly is missing.

import { hostEntry, jsBuild } from './entry.js';
import { wxHost } from './hosts/specs.js';
import { instantiate } from './core.mjs';

export const { BaaS, createBaaS } = hostEntry({ ...wxHost, builds: [jsBuild(instantiate)], ship: 'ship core.js beside the entry' });
export default BaaS;
