// minicloud-wasm/jd: BaaS for JD mini-programs, over the global `jd` (also reachable as jd.BaaS).

import { makeBaaS, loadWasm } from './baas.js';
import { miniProgramHost } from './hosts/miniprogram.js';

const hostApi = () => (typeof jd !== 'undefined' ? jd : undefined);

/** A BaaS object over an explicit `jd`-compatible object (tests, cross-platform frameworks); without one it
 * uses the global `jd`, looked up at init. */
export function createBaaS(api) {
  return makeBaaS({
    platform: 'jd',
    adapter: () => miniProgramHost(api || hostApi(), 'jd'),
    silentLoginAlias: 'loginWithJd',
  });
}

/** The BaaS object of this host, as the official SDK's `jd.BaaS`. */
export const BaaS = createBaaS();
if (hostApi()) hostApi().BaaS = BaaS;

export { loadWasm };
export default BaaS;
