/**
 * The host agent: one per host, in the host's network namespace.
 *   host-agent --id ID --socket PATH --token-file FILE --state-dir DIR
 * Takes the whole HostConfig at PUT /v1/config: bridges, VXLAN, VM ports, distributed DHCP (R-DHCP-1),
 * security groups (R-SG-3).
 */
import { applyHost, hostInvariants, hostKernelHash } from '../apply/host';
import { HOST_PATCHING, HostConfigV1, type HostConfig } from '../protocol/host';
import { runAgent } from '../run';

await runAgent<HostConfig>({
  kind: 'host',
  patching: HOST_PATCHING,
  schema: HostConfigV1,
  apply: (cfg, dirs, previous) => applyHost(cfg, dirs, previous),
  kernelHash: (cfg, _dirs, signal) => hostKernelHash(cfg, signal),
  invariants: hostInvariants,
});
