// minicloud-wasm/swan: BaaS for Baidu smart programs, over the global `swan` (also reachable as swan.BaaS). The host documents no
// WebAssembly in the mini-program logic layer, so this entry runs the JS build (the same core through wasm2js);
// BaaS.init's `wasm` option (bytes, a Module or a loader) runs the wasm build instead.

import { hostEntry, bundledJs } from './entry.js';
import { miniProgramHost } from './hosts/miniprogram.js';

export const { BaaS, createBaaS } = hostEntry({
  platform: 'swan',
  api: () => (typeof swan !== 'undefined' ? swan : undefined),
  adapter: (api) => miniProgramHost(api, 'swan'),
  alias: 'loginWithBaidu',
  builds: [bundledJs],
  ship: 'the JS build is bundled in this entry',
});
export default BaaS;
