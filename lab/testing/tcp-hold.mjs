// A lab client that holds one TCP connection open: prints the server's first line when it comes
// ("banner …"), "none" when nothing came within a second, the bytes received so far every 200 ms
// while they grow ("bytes N"), "closed" or "error …" when the connection ends; it keeps the
// connection until killed or `seconds` pass.
//   node tcp-hold.mjs IP PORT SECONDS
import net from 'node:net';

const [ip, port, seconds] = process.argv.slice(2);
let banner = false;
let bytes = 0;
let told = 0;
const say = (line) => process.stdout.write(`${line}\n`);
const c = net.connect(Number(port), ip);
c.on('data', (d) => {
  bytes += d.length;
  if (banner) return;
  banner = true;
  say(`banner ${d.toString().split('\n')[0]}`);
});
c.on('error', (e) => say(`error ${e.message}`));
c.on('close', () => say('closed'));
setTimeout(() => banner || say('none'), 1000);
setInterval(() => {
  if (bytes > told) say(`bytes ${(told = bytes)}`);
}, 200);
setTimeout(() => process.exit(0), Number(seconds) * 1000);
