import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CONSOLE_CERT_CN } from './protocol/common';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * An agent's HTTPS listener with mutual TLS: the client must present a certificate of the consoles'
 * authority (`--tls-ca`) that is a console's — CN `cloudrouter-console` with the clientAuth usage —
 * so neither a stranger nor another agent (whose certificate is of the same authority) can call it.
 * The token is still required on every request. `reload()` reads the files again (rotation, SIGHUP).
 */
export class TlsAgentServer {
  readonly server: https.Server;
  private cert!: X509Certificate;

  constructor(
    private readonly files: { cert: string; key: string; ca: string },
    handler: http.RequestListener,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void,
  ) {
    this.server = https.createServer(
      { ...this.read(), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        if (peer?.subject?.CN !== CONSOLE_CERT_CN || !(peer.ext_key_usage ?? []).includes(CLIENT_AUTH)) {
          this.log('warn', 'refused a client certificate that is not a console’s', { cn: peer?.subject?.CN });
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'UNAUTHORIZED', message: 'this certificate is not a console’s' }));
          return;
        }
        handler(req, res);
      },
    );
  }

  private read() {
    const ctx = {
      cert: fs.readFileSync(this.files.cert, 'utf8'),
      key: fs.readFileSync(this.files.key, 'utf8'),
      ca: fs.readFileSync(this.files.ca, 'utf8'),
    };
    const cert = new X509Certificate(ctx.cert);
    if (!cert.checkPrivateKey(createPrivateKey(ctx.key)))
      throw new Error(`${this.files.key} is not the key of ${this.files.cert}`);
    this.cert = cert;
    return ctx;
  }

  reload(): void {
    this.server.setSecureContext({ ...this.read(), minVersion: 'TLSv1.2' });
  }

  describe() {
    return { subject: this.cert.subject, notAfter: this.cert.validTo, fingerprint: this.cert.fingerprint256 };
  }
}
