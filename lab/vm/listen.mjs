// A lab VM's listener (the "listen" connectivity check): accepts TCP connections (closed after the
// banner, held open: "hold", or sent data until the client goes: "stream"), UDP datagrams or HTTP requests on one port for a number of
// seconds, logging each peer, then exits.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';

const [protocol, port, seconds, label = ''] = process.argv.slice(2);
const log = (msg) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
// A port still held by a listener from before (the lab replaces its own; one it no longer knows of
// lives until its deadline) is taken as soon as it is free.
const retry = (closed, bind) => (err) => {
  if (err.code !== 'EADDRINUSE') throw err;
  closed.close();
  setTimeout(bind, 50);
};
if (protocol === 'udp') {
  const bind = () => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (data, from) => {
      log(`udp from ${from.address}:${from.port} ${data.length} bytes`);
      sock.send(`cloudrouter-lab ${port} ${label}\n`, from.port, from.address);
    });
    sock.once('error', retry(sock, bind));
    sock.bind(Number(port));
  };
  bind();
} else if (protocol === 'http') {
  // Answers every request with the machine, the path and the Host it was asked for (a load balancer's policies choose by those).
  const server = http.createServer((req, res) => {
    log(`http from ${req.socket.remoteAddress}:${req.socket.remotePort} ${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`cloudrouter-lab ${port} ${label} ${req.url} host=${req.headers.host ?? ''}\n`);
  });
  const bind = () => server.listen(Number(port));
  server.on('error', retry(server, bind));
  bind();
} else {
  const server = net.createServer((c) => {
    log(`tcp from ${c.remoteAddress}:${c.remotePort}`);
    // The banner names the machine, so a client can tell which VM a VIP or port led it to. "hold"
    // keeps the connection open until the client closes it (a load balancer counts it as active).
    if (protocol === 'hold' || protocol === 'stream') {
      c.write(`cloudrouter-lab ${port} ${label}\n`);
      c.on('error', () => undefined);
      // "stream": a long transfer — 16 KiB every 10 ms until the client goes.
      if (protocol === 'stream') {
        const chunk = Buffer.alloc(16384, 120);
        const timer = setInterval(() => c.write(chunk), 10);
        c.on('close', () => clearInterval(timer));
      }
    } else c.end(`cloudrouter-lab ${port} ${label}\n`);
  });
  const bind = () => server.listen(Number(port));
  server.on('error', retry(server, bind));
  bind();
}
setTimeout(() => process.exit(0), Number(seconds) * 1000);
