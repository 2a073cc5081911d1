import http from 'node:http';
import { AgentError, AgentStatus } from './protocol/common';
import type { HostConfig } from './protocol/host';
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

/**
 * Talks to one agent with its own token: over its Unix socket (the lab), or over HTTP on the
 * management network (`http://host:port`, a real host).
 */
export class AgentClient {
  private readonly target: { socketPath: string } | { host: string; port: number };
  /** @param address a Unix socket's path, or `http://host:port` */
  constructor(
    readonly address: string,
    private readonly token: string,
  ) {
    const m = /^http:\/\/([^/:]+):(\d+)\/?$/.exec(address);
    this.target = m ? { host: m[1]!, port: Number(m[2]) } : { socketPath: address };
  }

  /** From an endpoint as stored for an agent: `unix:/path` or `http://host:port`. */
  static fromEndpoint(endpoint: string, token: string): AgentClient {
    return new AgentClient(endpoint.startsWith('unix:') ? endpoint.slice('unix:'.length) : endpoint, token);
  }

  private call(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<unknown> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...this.target,
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
}
