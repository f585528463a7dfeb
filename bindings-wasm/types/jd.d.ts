// minicloud-wasm/jd and minicloud-wasm/jd/js.
import type { BaaS as BaaSObject } from './baas';
import type { WxStyleHost } from './hosts';

export * from './baas';
export type { WxStyleHost } from './hosts';

/** The BaaS object of this host (also set as jd.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithJd'>;
/** An independent BaaS object over an explicit host object (default: the global jd). */
export declare function createBaaS(host?: WxStyleHost): BaaSObject<'loginWithJd'>;
export default BaaS;
