/**
 * The vRouter agent: one per router, running inside it.
 *   vrouter-agent --id ID --socket PATH --token-file FILE --state-dir DIR
 * Takes the whole VRouterConfig at PUT /v1/config (R-DNS-1, R-SNAT-1, R-EIP-2, R-PF-1, R-LB-2 … R-LB-5).
 */
import { LoadBalancing } from '../apply/lb';
import { applyVRouter, vrouterInvariants, vrouterKernelHash } from '../apply/vrouter';
import { agentLogger } from '../log';
import { VROUTER_PATCHING, VRouterConfigV1, type VRouterConfig } from '../protocol/vrouter';
import { runAgent } from '../run';

let lb: LoadBalancing | undefined;
/** The listeners' state lives as long as the process: their health checks run between applies. */
const listeners = (dirs: { runDir: string }) => (lb ??= new LoadBalancing(dirs, agentLogger('vrouter', 'lb')));

await runAgent<VRouterConfig>({
  kind: 'vrouter',
  patching: VROUTER_PATCHING,
  schema: VRouterConfigV1,
  apply: async (cfg, dirs, previous) => {
    await applyVRouter(cfg, dirs, { previous });
    await listeners(dirs).apply(cfg, previous);
  },
  kernelHash: (cfg, _dirs, signal) => vrouterKernelHash(cfg, signal),
  invariants: async (cfg, dirs) => [...(await vrouterInvariants(cfg, dirs)), ...(await listeners(dirs).invariants(cfg))],
  stats: (cfg, dirs) => listeners(dirs).stats(cfg),
});
