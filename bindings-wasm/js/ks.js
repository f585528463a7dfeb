// minicloud-wasm/ks: BaaS for Kuaishou mini-programs, over the global `ks` (also reachable as ks.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { miniProgramHost } from './hosts/miniprogram.js';

const hostApi = () => (typeof ks !== 'undefined' ? ks : undefined);

/** A BaaS object over an explicit `ks`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `ks`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({
    platform: 'ks',
    adapter: () => miniProgramHost(api || hostApi(), 'ks'),
    silentLoginAlias: 'loginWithKs',
  });
}

/** The BaaS object of this host, as the official SDK's `ks.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
