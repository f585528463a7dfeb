// minicloud-wasm/ks: BaaS for Kuaishou mini-programs, over the global `ks` (also reachable as ks.BaaS). The host documents no
// WebAssembly in the mini-program logic layer, so this entry runs the JS build (the same core through wasm2js);
// BaaS.init's `wasm` option (bytes, a Module or a loader) runs the wasm build instead.

import { hostEntry, bundledJs } from './entry.js';
import { miniProgramHost } from './hosts/miniprogram.js';

export const { BaaS, createBaaS } = hostEntry({
  platform: 'ks',
  api: () => (typeof ks !== 'undefined' ? ks : undefined),
  adapter: (api) => miniProgramHost(api, 'ks'),
  alias: 'loginWithKs',
  builds: [bundledJs],
  ship: 'the JS build is bundled in this entry',
});
export default BaaS;
