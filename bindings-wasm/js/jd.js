// minicloud-wasm/jd: BaaS for JD mini-programs, over the global `jd` (also reachable as jd.BaaS). The host documents no
// WebAssembly in the mini-program logic layer, so this entry runs the JS build (the same core through wasm2js);
// BaaS.init's `wasm` option (bytes, a Module or a loader) runs the wasm build instead.

import { hostEntry, bundledJs } from './entry.js';
import { miniProgramHost } from './hosts/miniprogram.js';

export const { BaaS, createBaaS } = hostEntry({
  platform: 'jd',
  api: () => (typeof jd !== 'undefined' ? jd : undefined),
  adapter: (api) => miniProgramHost(api, 'jd'),
  alias: 'loginWithJd',
  builds: [bundledJs],
  ship: 'the JS build is bundled in this entry',
});
export default BaaS;
