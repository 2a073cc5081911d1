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
  // The router's tables and links and the listeners' (their own VIP routes, haproxy, UDP tables) are
  // apart: changed side by side — on a full apply the listeners' few commands run while \`nft\` loads
  // the router's table (~50 ms of a 10k PUT) — and both settled before a failure is reported.
  apply: async (cfg, dirs, previous) => {
    const done = await Promise.allSettled([applyVRouter(cfg, dirs, { previous }), listeners(dirs).apply(cfg, previous)]);
    for (const r of done) if (r.status === 'rejected') throw r.reason;
  },
  kernelHash: (cfg, _dirs, signal) => vrouterKernelHash(cfg, signal),
  invariants: async (cfg, dirs) => [...(await vrouterInvariants(cfg, dirs)), ...(await listeners(dirs).invariants(cfg))],
  stats: (cfg, dirs) => listeners(dirs).stats(cfg),
});
