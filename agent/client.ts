import http from 'node:http';
import { AgentError, AgentStatus } from './protocol/common';
import { z } from 'zod';

const StatusWithDrift = AgentStatus.extend({ appliedKernelHash: z.string(), drift: z.boolean() });
export type AgentStatusView = z.infer<typeof StatusWithDrift>;

export class AgentCallError extends Error {
  constructor(
    readonly status: number,
    readonly error: AgentError | null,
  ) {
    super(error ? `${error.code}: ${error.message}` : `agent answered HTTP ${status}`);
    this.name = 'AgentCallError';
  }
}

/** Talks to one agent over its Unix socket (the lab) with its own token. */
export class AgentClient {
  constructor(
    readonly socketPath: string,
    private readonly token: string,
  ) {}

  private call(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<unknown> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { socketPath: this.socketPath, method, path, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }, timeout: timeoutMs },
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
      req.on('timeout', () => req.destroy(new Error(`agent at ${this.socketPath} did not answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async putConfig(cfg: unknown): Promise<AgentStatusView> {
    return StatusWithDrift.parse(await this.call('PUT', '/v1/config', cfg));
  }
  /** Sends raw text as the config body (tests of the refusal path). */
  async putRaw(text: string): Promise<AgentStatusView> {
    return StatusWithDrift.parse(await this.call('PUT', '/v1/config', text));
  }
  async status(): Promise<AgentStatusView> {
    return StatusWithDrift.parse(await this.call('GET', '/v1/status'));
  }
  async resync(): Promise<AgentStatusView> {
    return StatusWithDrift.parse(await this.call('POST', '/v1/resync'));
  }
}
