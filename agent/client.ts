import http from 'node:http';
import https from 'node:https';
import { AgentError, AgentStatus } from './protocol/common';
import type { HostConfig } from './protocol/host';
import { VRouterStats } from './protocol/vrouter';
import type { ConfigPatch } from './protocol/patch';
import type { VRouterConfig } from './protocol/vrouter';

export class AgentCallError extends Error {
  constructor(
    readonly status: number,
    readonly error: AgentError | null,
  ) {
    super(error ? `${error.code}: ${error.message}` : `agent answered HTTP ${status}`);
    this.name = 'AgentCallError';
  }
}

/** What a console presents to an agent reached over TCP, and the authority it trusts for the agent's certificate. */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Talks to one agent with its own token: over its Unix socket (the lab), or over HTTPS on the
 * management network (`https://host:port`, a real host) with mutual TLS — the client presents the
 * console's certificate and accepts only a certificate of the consoles' authority naming this agent's
 * id. Plain `http://` is refused: a token on the wire in clear would let anyone on that network
 * reprogram the host.
 */
export class AgentClient {
  private readonly target: { socketPath: string } | { host: string; port: number; tls: boolean };
  /** @param address a Unix socket's path, or `https://host:port` */
  constructor(
    readonly address: string,
    private readonly token: string,
    private readonly tls?: { material: () => Promise<ClientTls>; agentId: string },
  ) {
    const m = /^(https?):\/\/([^/:]+):(\d+)\/?$/.exec(address);
    this.target = m ? { host: m[2]!, port: Number(m[3]), tls: m[1] === 'https' } : { socketPath: address };
  }

  /** From an endpoint as stored for an agent: `unix:/path` or `https://host:port` (with the console's TLS). */
  static fromEndpoint(
    endpoint: string,
    token: string,
    tls?: { material: () => Promise<ClientTls>; agentId: string },
  ): AgentClient {
    return new AgentClient(endpoint.startsWith('unix:') ? endpoint.slice('unix:'.length) : endpoint, token, tls);
  }

  private async options(): Promise<https.RequestOptions> {
    const t = this.target;
    if ('socketPath' in t) return { socketPath: t.socketPath };
    if (!t.tls)
      throw new Error(`plain HTTP to an agent is refused (${this.address}): use https:// — agents on TCP speak mutual TLS`);
    if (!this.tls) throw new Error(`no TLS certificate to reach the agent at ${this.address}`);
    const { ca, cert, key } = await this.tls.material();
    const agentId = this.tls.agentId;
    return {
      host: t.host,
      port: t.port,
      ca,
      cert,
      key,
      minVersion: 'TLSv1.2',
      // A connection of its own: a pooled one (Node keeps them alive) was checked for another agent's identity.
      agent: false,
      // The agent's certificate must be of our authority (checked by TLS against `ca`) and name this agent.
      checkServerIdentity: (_host, peer) =>
        peer.subject?.CN === agentId
          ? undefined
          : new Error(`the agent at ${this.address} is not ${agentId} (certificate CN ${peer.subject?.CN})`),
    };
  }

  private async call(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<unknown> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const options = await this.options();
    const request = 'ca' in options ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...options,
          method,
          path,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            let json: unknown = null;
            try {
              json = JSON.parse(text);
            } catch {
              /* not JSON */
            }
            if (res.statusCode === 200) resolve(json);
            else {
              const parsed = AgentError.safeParse(json);
              reject(new AgentCallError(res.statusCode ?? 0, parsed.success ? parsed.data : null));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`agent at ${this.address} did not answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async putConfig(cfg: HostConfig | VRouterConfig): Promise<AgentStatus> {
    return AgentStatus.parse(await this.call('PUT', '/v1/config', cfg));
  }
  /** A change against the config of `baseGeneration` (409 CONFIG_BASE when the agent holds another: send the whole). */
  async patchConfig(p: ConfigPatch): Promise<AgentStatus> {
    return AgentStatus.parse(await this.call('PATCH', '/v1/config', p));
  }
  /** Sends raw text as the config body (tests of the refusal path). */
  async putRaw(text: string): Promise<AgentStatus> {
    return AgentStatus.parse(await this.call('PUT', '/v1/config', text));
  }
  async status(): Promise<AgentStatus> {
    return AgentStatus.parse(await this.call('GET', '/v1/status'));
  }
  async resync(): Promise<AgentStatus> {
    return AgentStatus.parse(await this.call('POST', '/v1/resync'));
  }
  /** A vRouter agent's live counters (R-LB-6); cheap, no kernel hash. */
  async stats(): Promise<VRouterStats> {
    return VRouterStats.parse(await this.call('GET', '/v1/stats', undefined, 5000));
  }
}
