// New TCP connections at a steady rate (issue 12's hitless test): each connects, sends an HTTP/1.0
// request line, and counts as done when the peer answered something and closed within the timeout.
//   node conn-load.mjs HOST PORT RATE_PER_SECOND DURATION_MS [TIMEOUT_MS]
// Prints one JSON line: attempted, ok, failed, the first failures, and latency percentiles.
import net from 'node:net';

const [host, port, rate, duration, timeout = '3000'] = process.argv.slice(2);
const interval = 1000 / Number(rate);
const started = performance.now();
const latencies = [];
const failures = [];
let attempted = 0;
let pending = 0;

function one() {
  attempted++;
  pending++;
  const t0 = performance.now();
  let got = 0;
  let settled = false;
  const done = (err) => {
    if (settled) return;
    settled = true;
    pending--;
    // Answered is done, even if the peer then reset the connection.
    if (got === 0) failures.push({ at: Math.round(t0 - started), error: err ? err.message : 'no answer' });
    else latencies.push(performance.now() - t0);
  };
  const s = net.connect({ host, port: Number(port) }, () => s.write('GET / HTTP/1.0\r\nHost: load\r\n\r\n'));
  s.setTimeout(Number(timeout), () => {
    s.destroy();
    done(new Error(`timeout after ${timeout} ms`));
  });
  s.on('data', (d) => (got += d.length));
  s.on('end', () => {
    s.end();
    done(null);
  });
  s.on('error', (err) => done(err));
}

// A steady schedule: connection n starts at n × interval, whatever the previous ones do.
const tick = setInterval(() => {
  const due = Math.floor((performance.now() - started) / interval) + 1;
  while (attempted < due && performance.now() - started < Number(duration)) one();
}, 2);
setTimeout(() => {
  clearInterval(tick);
  const wait = setInterval(() => {
    if (pending > 0) return;
    clearInterval(wait);
    latencies.sort((a, b) => a - b);
    const p = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
    const seconds = Number(duration) / 1000;
    process.stdout.write(
      JSON.stringify({
        target: `${host}:${port}`,
        attempted,
        ok: latencies.length,
        failed: failures.length,
        perSecond: Math.round(attempted / seconds),
        p50: p(0.5),
        p99: p(0.99),
        max: Math.round(latencies.at(-1) ?? 0),
        failures: failures.slice(0, 10),
      }) + '\n',
    );
  }, 20);
}, Number(duration));
