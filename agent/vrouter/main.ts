/**
 * The vRouter agent: one per router, running inside it.
 *   node agent/vrouter/main.js --id ID --socket PATH --token-file FILE --state-dir DIR
 * Listens on a Unix socket (in the lab) for PUT /v1/config with the whole VRouterConfig.
 */
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { applyVRouter, vrouterKernelHash } from '../apply/vrouter';
import { agentLogger } from '../log';
import { VRouterConfigV1, type VRouterConfig } from '../protocol/vrouter';
import { Agent, listenUnix } from '../server';

const { values } = parseArgs({
  options: { id: { type: 'string' }, socket: { type: 'string' }, 'token-file': { type: 'string' }, 'state-dir': { type: 'string' } },
});
if (!values.id || !values.socket || !values['token-file'] || !values['state-dir']) {
  process.stderr.write('usage: vrouter-agent --id ID --socket PATH --token-file FILE --state-dir DIR\n');
  process.exit(2);
}
const stateDir = values['state-dir'];
const log = agentLogger('vrouter', values.id);
const token = fs.readFileSync(values['token-file'], 'utf8').trim();
const agent = new Agent<VRouterConfig>({
  kind: 'vrouter',
  id: values.id,
  schema: VRouterConfigV1 as never,
  apply: (cfg) => applyVRouter(cfg, { stateDir }),
  kernelHash: vrouterKernelHash,
  stateDir,
  log,
});

const server = http.createServer(agent.handler(token));
await listenUnix(server, values.socket);
log('info', 'listening', { socket: values.socket });
await agent.restore();

// Stopping the agent leaves the data plane (addresses, nftables, dnsmasq) serving: an agent
// restart or upgrade must not interrupt traffic.
const stop = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
