// A lab VM's listener (the "listen" connectivity check): accepts TCP connections or UDP datagrams
// on one port for a number of seconds, logging each peer, then exits.
import dgram from 'node:dgram';
import net from 'node:net';

const [protocol, port, seconds, label = ''] = process.argv.slice(2);
const log = (msg) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
if (protocol === 'udp') {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (data, from) => {
    log(`udp from ${from.address}:${from.port} ${data.length} bytes`);
    sock.send(`cloudrouter-lab ${port} ${label}\n`, from.port, from.address);
  });
  sock.bind(Number(port));
} else {
  net
    .createServer((c) => {
      log(`tcp from ${c.remoteAddress}:${c.remotePort}`);
      // The banner names the machine, so a client can tell which VM a VIP or port led it to.
      c.end(`cloudrouter-lab ${port} ${label}\n`);
    })
    .listen(Number(port));
}
setTimeout(() => process.exit(0), Number(seconds) * 1000);
