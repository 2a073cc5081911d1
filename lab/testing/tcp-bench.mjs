// TCP throughput and connection rate between two lab namespaces (bench/throughput.ts).
//   node tcp-bench.mjs serve PORT            accepts: reads and discards; answers "ok" to the first data, closes at the peer's end
//   node tcp-bench.mjs send HOST PORT MS     one connection pushes 64 KiB writes for MS; prints {bytes, ms}
//   node tcp-bench.mjs connect HOST PORT MS N  N in flight, each connect → "x" → answer → reset, for MS; prints {done, failed, ms}
// A connection of `connect` ends with a reset, not a close: tens of thousands a second would otherwise
// leave as many sockets in TIME_WAIT (client ports run out) and conntrack entries in TIME_WAIT for 120 s
// (the kernel's table fills and drops SYNs) — a later round would measure the leftovers of earlier ones.
//   node tcp-bench.mjs userve PORT           UDP: answers each datagram with itself
//   node tcp-bench.mjs uping HOST PORT MS N   UDP: N sockets (flows) in flight, each datagram → answer → next, for MS;
//                                            prints {done, lost, ms} (a datagram unanswered in 200 ms is lost and resent)
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

if (mode === 'serve') {
  net
    .createServer((c) => {
      c.once('data', () => c.write('ok'));
      c.on('data', () => {});
      c.on('end', () => c.end());
      c.on('error', () => {});
    })
    .listen(Number(args[0]));
} else if (mode === 'send') {
  const [host, port, ms] = args;
  const chunk = Buffer.alloc(64 * 1024);
  let bytes = 0;
  const s = net.connect({ host, port: Number(port) }, () => {
    const t0 = performance.now();
    const pump = () => {
      while (performance.now() - t0 < Number(ms)) {
        bytes += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      s.end();
      s.on('close', () => out({ bytes, ms: performance.now() - t0 }));
    };
    pump();
  });
  s.on('data', () => {});
} else if (mode === 'connect') {
  const [host, port, ms, n] = args;
  const t0 = performance.now();
  let done = 0;
  let failed = 0;
  let running = 0;
  const one = () => {
    if (performance.now() - t0 >= Number(ms)) {
      if (--running === 0) out({ done, failed, ms: performance.now() - t0 });
      return;
    }
    let got = 0;
    const s = net.connect({ host, port: Number(port) }, () => s.write('x'));
    s.on('data', (d) => {
      got += d.length;
      s.resetAndDestroy();
    });
    s.on('close', () => {
      if (got > 0) done++;
      else failed++;
      one();
    });
    s.on('error', () => {});
  };
  for (let i = 0; i < Number(n); i++) {
    running++;
    one();
  }
} else if (mode === 'userve') {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m, from) => sock.send(m, from.port, from.address));
  sock.bind(Number(args[0]));
} else if (mode === 'uping') {
  const [host, port, ms, n] = args;
  const t0 = performance.now();
  let done = 0;
  let lost = 0;
  let running = Number(n);
  const payload = Buffer.alloc(64, 120);
  for (let i = 0; i < Number(n); i++) {
    const s = dgram.createSocket('udp4');
    let timer;
    const next = () => {
      if (performance.now() - t0 >= Number(ms)) {
        clearTimeout(timer);
        s.close();
        if (--running === 0) out({ done, lost, ms: performance.now() - t0 });
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => (lost++, next()), 200);
      s.send(payload, Number(port), host);
    };
    s.on('message', () => (done++, next()));
    s.connect(Number(port), host, next);
  }
}
