// minicloud-wasm/tt and minicloud-wasm/tt/js.
import type { BaaS as BaaSObject } from './baas';
import type { WxStyleHost } from './hosts';

export * from './baas';
export type { WxStyleHost } from './hosts';

/** The BaaS object of this host (also set as tt.BaaS, like the official SDK). */
export declare const BaaS: BaaSObject<'loginWithTt'>;
/** An independent BaaS object over an explicit host object (default: the global tt). */
export declare function createBaaS(host?: WxStyleHost): BaaSObject<'loginWithTt'>;
export default BaaS;
