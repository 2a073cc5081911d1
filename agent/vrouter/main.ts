/**
 * The vRouter agent: one per router, running inside it.
 *   vrouter-agent --id ID --socket PATH --token-file FILE --state-dir DIR
 * Takes the whole VRouterConfig at PUT /v1/config (R-DNS-1, R-SNAT-1).
 */
import { applyVRouter, vrouterInvariants, vrouterKernelHash } from '../apply/vrouter';
import { VROUTER_PATCHING, VRouterConfigV1, type VRouterConfig } from '../protocol/vrouter';
import { runAgent } from '../run';

await runAgent<VRouterConfig>({
  kind: 'vrouter',
  patching: VROUTER_PATCHING,
  schema: VRouterConfigV1,
  apply: (cfg, dirs, previous) => applyVRouter(cfg, dirs, { previous }),
  kernelHash: (cfg, _dirs, signal) => vrouterKernelHash(cfg, signal),
  invariants: vrouterInvariants,
});
