/**
 * A vRouter's TCP, HTTP and HTTPS listeners (SPEC R-LB-2 … R-LB-5) as one haproxy configuration,
 * rendered by a pure function. haproxy runs master-worker in the router's namespace and is reloaded
 * through its master socket (FACTS.md); UDP listeners are the kernel's (nftables), not haproxy's.
 *
 * The vRouter agent renders it from the protocol's listeners (`apply/lb.ts`); golden files and
 * `haproxy -c` check it; the console's rule preview shows one listener's part of it.
 */

import type { LbListener } from '../protocol/vrouter';

export interface HaproxyHealthCheck {
  protocol: 'tcp' | 'http';
  /** HTTP: the status classes that count as healthy. */
  httpCodes: Array<'http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx'>;
  uri: string | null;
  method: 'HEAD' | 'GET';
  healthyThreshold: number;
  unhealthyThreshold: number;
  intervalSeconds: number;
  /** null: the VM port. */
  port: number | null;
}

export interface HaproxyBackend {
  /** The VM NIC's id: the server's name in haproxy (and in its stats). */
  nicId: string;
  ip: string;
  weight: number;
  /** The backend group (R-LB-5); `default` unless a policy sends requests elsewhere. */
  group: string;
}

export interface HaproxyPolicy {
  name: string;
  host: string | null;
  pathPrefix: string | null;
  group: string;
}

export interface HaproxyListener {
  id: string;
  name: string;
  protocol: 'tcp' | 'http' | 'https';
  vip: string;
  lbPort: number;
  vmPort: number;
  algorithm: 'round-robin' | 'least-connections' | 'source-hash' | 'weighted-round-robin';
  maxConnections: number;
  idleTimeoutSeconds: number;
  healthCheck: HaproxyHealthCheck;
  /** HTTPS: the file holding certificate, chain and key (written by the agent, readable by haproxy only). */
  certificateFile: string | null;
  backends: HaproxyBackend[];
  /** HTTP(S), evaluated in this order; requests none matches go to the `default` group. */
  policies: HaproxyPolicy[];
}

export const DEFAULT_GROUP = 'default';

const short = (id: string) => id.replace(/-/g, '').slice(-12);
const frontendName = (l: Pick<HaproxyListener, 'id'>) => `l_${short(l.id)}`;
/** The names haproxy knows a listener's parts by, in its configuration and in its stats (R-LB-6). */
export const haproxyNames = {
  frontend: (listenerId: string) => frontendName({ id: listenerId }),
  backendPrefix: (listenerId: string) => `b_${short(listenerId)}_`,
  server: (nicId: string) => `n_${short(nicId)}`,
};
const backendName = (l: HaproxyListener, group: string) => `b_${short(l.id)}_${group.replace(/[^A-Za-z0-9_-]/g, '_')}`;

const BALANCE: Record<HaproxyListener['algorithm'], string> = {
  'round-robin': 'roundrobin',
  'weighted-round-robin': 'roundrobin',
  'least-connections': 'leastconn',
  'source-hash': 'source',
};

/** haproxy's status regex for the chosen classes: http_2xx + http_3xx → ^[23][0-9][0-9]$. */
const statusRegex = (codes: HaproxyHealthCheck['httpCodes']) =>
  `^[${[...new Set(codes.map((c) => c.charAt(5)))].sort().join('')}][0-9][0-9]$`;

/** One policy's condition: the Host header without its port, exact or by suffix (`*.example.com`), and/or the path's prefix. */
function condition(p: HaproxyPolicy, i: number): { acls: string[]; names: string[] } {
  const acls: string[] = [];
  const names: string[] = [];
  if (p.host) {
    const name = `p${i}_host`;
    acls.push(
      p.host.startsWith('*.')
        ? `acl ${name} req.hdr(host),field(1,:),lower -m end ${p.host.slice(1).toLowerCase()}`
        : `acl ${name} req.hdr(host),field(1,:),lower -m str ${p.host.toLowerCase()}`,
    );
    names.push(name);
  }
  if (p.pathPrefix) {
    const name = `p${i}_path`;
    acls.push(`acl ${name} path_beg ${p.pathPrefix}`);
    names.push(name);
  }
  return { acls, names };
}

function frontend(l: HaproxyListener): string[] {
  const http = l.protocol !== 'tcp';
  const tls = l.protocol === 'https' && l.certificateFile ? ` ssl crt ${l.certificateFile}` : '';
  const lines = [
    `frontend ${frontendName(l)}`,
    `    # listener ${l.id} "${l.name.replace(/["\n]/g, '')}"`,
    `    bind ${l.vip}:${l.lbPort}${tls}`,
    `    mode ${http ? 'http' : 'tcp'}`,
    `    maxconn ${l.maxConnections}`,
    `    timeout client ${l.idleTimeoutSeconds}s`,
  ];
  if (http) {
    lines.push('    option forwardfor');
    for (const [i, p] of l.policies.entries()) {
      const { acls, names } = condition(p, i);
      lines.push(...acls.map((a) => `    ${a}`), `    use_backend ${backendName(l, p.group)} if ${names.join(' ')}`);
    }
  }
  lines.push(`    default_backend ${backendName(l, DEFAULT_GROUP)}`);
  return lines;
}

function backend(l: HaproxyListener, group: string): string[] {
  const http = l.protocol !== 'tcp';
  const hc = l.healthCheck;
  const lines = [`backend ${backendName(l, group)}`, `    mode ${http ? 'http' : 'tcp'}`, `    balance ${BALANCE[l.algorithm]}`];
  lines.push(`    timeout server ${l.idleTimeoutSeconds}s`);
  if (hc.protocol === 'http') {
    lines.push(`    option httpchk`, `    http-check send meth ${hc.method} uri ${hc.uri ?? '/'}`);
    lines.push(`    http-check expect rstatus ${statusRegex(hc.httpCodes)}`);
  }
  const port = hc.port !== null && hc.port !== l.vmPort ? ` port ${hc.port}` : '';
  lines.push(
    `    default-server check inter ${hc.intervalSeconds}s rise ${hc.healthyThreshold} fall ${hc.unhealthyThreshold}${port}`,
  );
  const weighted = l.algorithm === 'weighted-round-robin';
  for (const b of l.backends.filter((x) => x.group === group).sort((a, c) => a.nicId.localeCompare(c.nicId)))
    lines.push(`    server n_${short(b.nicId)} ${b.ip}:${l.vmPort}${weighted ? ` weight ${b.weight}` : ''}`);
  return lines;
}

/** A listener of the vRouter protocol as haproxy renders it; `certificateFile`: where its certificate is (HTTPS). */
export function haproxyListenerOf(l: LbListener, certificateFile: string | null): HaproxyListener {
  return {
    ...l,
    protocol: l.protocol as HaproxyListener['protocol'],
    healthCheck: { ...l.healthCheck, protocol: l.healthCheck.protocol === 'http' ? 'http' : 'tcp' },
    certificateFile,
  };
}

/** One listener's part of the configuration (its frontend and backends), as the rule preview shows it. */
export function renderHaproxyListener(l: HaproxyListener): string[] {
  const groups = [...new Set([DEFAULT_GROUP, ...l.backends.map((b) => b.group), ...l.policies.map((p) => p.group)])].sort();
  return [...frontend(l), ...groups.flatMap((g) => backend(l, g))];
}

/**
 * The whole configuration of one router's listeners: the process's connection limit (the sum of the
 * listeners', at most `processMaxConnections`: haproxy needs two descriptors per connection and
 * refuses to start past the system's limit), the master's stats socket (admin level, for
 * counters and health — R-LB-6), then per listener a frontend and one backend per group (the
 * `default` one always, empty until NICs are bound: haproxy answers 503 / closes, as a listener
 * without backends should).
 */
export function renderHaproxy(
  listeners: readonly HaproxyListener[],
  opts: { statsSocket: string; processMaxConnections?: number },
): string {
  const sorted = [...listeners].sort((a, b) => a.id.localeCompare(b.id));
  // Each listener keeps its own limit; the process as a whole is held to what its file descriptors allow.
  const total = Math.min(
    sorted.reduce((n, l) => n + l.maxConnections, 0),
    opts.processMaxConnections ?? Number.MAX_SAFE_INTEGER,
  );
  const out = [
    '# CloudRouter: the load balancer listeners of this vRouter (generated; edits are overwritten)',
    'global',
    `    maxconn ${Math.max(total, 1)}`,
    `    stats socket ${opts.statsSocket} mode 600 level admin expose-fd listeners`,
    '    hard-stop-after 5m',
    '',
    'defaults',
    // TCP payload moves between the two sockets in the kernel (splice) where it can: no copy through haproxy.
    '    option splice-auto',
    '    timeout connect 5s',
    '    timeout check 5s',
    '    timeout client 60s',
    '    timeout server 60s',
    '',
  ];
  for (const l of sorted) {
    const groups = [...new Set([DEFAULT_GROUP, ...l.backends.map((b) => b.group), ...l.policies.map((p) => p.group)])].sort();
    out.push(...frontend(l), '');
    for (const g of groups) out.push(...backend(l, g), '');
  }
  return out.join('\n');
}
