// minicloud-wasm/swan: BaaS for Baidu mini-programs, over the global `swan` (also reachable as swan.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { miniProgramHost } from './hosts/miniprogram.js';

const hostApi = () => (typeof swan !== 'undefined' ? swan : undefined);

/** A BaaS object over an explicit `swan`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `swan`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({
    platform: 'swan',
    adapter: () => miniProgramHost(api || hostApi(), 'swan'),
    silentLoginAlias: 'loginWithBaidu',
  });
}

/** The BaaS object of this host, as the official SDK's `swan.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
