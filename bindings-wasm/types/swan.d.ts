// minicloud-wasm/swan and minicloud-wasm/swan/js.
import type { BaaS as BaaSObject } from './baas';
import type { WxStyleHost } from './hosts';

export * from './baas';
export type { WxStyleHost } from './hosts';

/** The BaaS object of this host (also set as swan.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithBaidu'>;
/** An independent BaaS object over an explicit host object (default: the global swan). */
export declare function createBaaS(host?: WxStyleHost): BaaSObject<'loginWithBaidu'>;
export default BaaS;
