// minicloud-wasm/ks and minicloud-wasm/ks/js.
import type { BaaS as BaaSObject } from './baas';
import type { WxStyleHost } from './hosts';

export * from './baas';
export type { WxStyleHost } from './hosts';

/** The BaaS object of this host (also set as ks.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithKs'>;
/** An independent BaaS object over an explicit host object (default: the global ks). */
export declare function createBaaS(host?: WxStyleHost): BaaSObject<'loginWithKs'>;
export default BaaS;
