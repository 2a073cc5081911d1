import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NetnsLab } from '../../lab/netns';
import { labDescribe, randomLabName } from '../../lab/testing';
import { renderHaproxy, type HaproxyListener } from '../render/haproxy';
import { haproxyFiles, masterCommand, syncHaproxy } from './haproxy';
import { processAlive } from './files';

/**
 * A vRouter's haproxy with real packets (issue 13, R-LB-2, R-LB-3): client ⇄ router ⇄ two VMs.
 * Started, reloaded with a backend added and then removed while one TCP connection stays open
 * through it — that connection must carry data to the end — and stopped.
 */
const ECHO = `
const net = require('net');
const [ip, name] = process.argv.slice(1);
net.createServer((c) => { c.write(name + '\\n'); c.on('data', (d) => c.write(d)); c.on('error', () => {}); }).listen(5000, ip);
`;
/** Connects, prints the first thing it reads, leaves. */
const ONE = `
const s = require('net').connect(80, '10.0.0.1');
s.once('data', (d) => { process.stdout.write(d); s.destroy(); });
s.on('error', () => process.exit(1));
`;
/** Connects, prints what it reads line by line; each line on its stdin is sent. */
const CLIENT = `
const net = require('net');
const s = net.connect(80, '10.0.0.1');
s.on('data', (d) => process.stdout.write(d));
s.on('close', () => { process.stdout.write('CLOSED\\n'); process.exit(0); });
s.on('error', (e) => process.stdout.write('ERROR ' + e.code + '\\n'));
process.stdin.on('data', (d) => s.write(d));
`;

let lab: NetnsLab;
let dir: string;
const children: ChildProcess[] = [];

const listener = (backends: number[]): HaproxyListener => ({
  id: '44444444-4444-4444-8444-444444444444',
  name: 'Listener-1',
  protocol: 'tcp',
  vip: '10.0.0.1',
  lbPort: 80,
  vmPort: 5000,
  algorithm: 'round-robin',
  maxConnections: 1000,
  idleTimeoutSeconds: 60,
  healthCheck: {
    protocol: 'tcp',
    httpCodes: [],
    uri: null,
    method: 'HEAD',
    healthyThreshold: 1,
    unhealthyThreshold: 1,
    intervalSeconds: 1,
    port: null,
  },
  certificateFile: null,
  backends: backends.map((i) => ({
    nicId: `00000000-0000-4000-8000-00000000000${i}`,
    ip: `192.168.10.1${i}`,
    weight: 1,
    group: 'default',
  })),
  policies: [],
});

/** A short connection from the client: the name of the VM that answered. */
async function who(): Promise<string> {
  const out = await lab.exec('c', process.execPath, ['-e', ONE]);
  return out.trim();
}

/** A long-lived connection from the client: send lines, read what came back. */
function longConnection() {
  const child = spawn('ip', ['netns', 'exec', lab.ns('c'), process.execPath, '-e', CLIENT], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  children.push(child);
  let got = '';
  child.stdout!.on('data', (d: Buffer) => (got += d.toString()));
  return {
    send: (line: string) => child.stdin!.write(`${line}\n`),
    read: () => got,
    async until(text: string) {
      for (const t0 = Date.now(); !got.includes(text); await new Promise((r) => setTimeout(r, 20)))
        if (Date.now() - t0 > 5000) throw new Error(`never read "${text}"; read: ${JSON.stringify(got)}`);
    },
  };
}

await labDescribe('haproxy in a vRouter (R-LB-2, R-LB-3)', () => {
  beforeAll(async () => {
    lab = new NetnsLab(randomLabName('hx'));
    await lab.claim();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-haproxy-lab-'));
    await lab.batch([
      `netns add ${lab.ns('c')}`,
      `netns add ${lab.ns('r')}`,
      `netns add ${lab.ns('v')}`,
      `link add eth0 netns ${lab.ns('c')} type veth peer name eth1 netns ${lab.ns('r')}`,
      `link add eth2 netns ${lab.ns('r')} type veth peer name eth0 netns ${lab.ns('v')}`,
    ]);
    await lab.nsBatch('c', ['link set lo up', 'link set eth0 up', 'addr add 10.0.0.2/24 dev eth0']);
    await lab.nsBatch('r', [
      'link set lo up',
      'link set eth1 up',
      'link set eth2 up',
      'addr add 10.0.0.1/24 dev eth1',
      'addr add 192.168.10.1/24 dev eth2',
    ]);
    await lab.nsBatch('v', [
      'link set lo up',
      'link set eth0 up',
      'addr add 192.168.10.11/24 dev eth0',
      'addr add 192.168.10.12/24 dev eth0',
      'route add default via 192.168.10.1',
    ]);
    // Two VMs, as two addresses of one namespace, each answering with its name and echoing.
    for (const i of [1, 2]) lab.spawn('v', process.execPath, ['-e', ECHO, `192.168.10.1${i}`, `VM-${i}`]);
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await syncHaproxy(null, { runDir: dir }).catch(() => undefined);
    await lab?.down();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('starts, reloads as backends come and go without cutting an open connection, and stops', async () => {
    const paths = { runDir: dir };
    const launch = ['ip', 'netns', 'exec', lab.ns('r')];
    const cfg = (backends: number[]) => renderHaproxy([listener(backends)], { statsSocket: haproxyFiles(paths).stats });

    expect(await syncHaproxy(cfg([1]), paths, { launch })).toBe('started');
    expect(await syncHaproxy(cfg([1]), paths, { launch })).toBe('unchanged');
    expect(await who()).toBe('VM-1');

    // One connection stays open through the reloads (it is VM-1's: the only backend now).
    const open = longConnection();
    await open.until('VM-1');
    open.send('before');
    await open.until('before');

    // VM-2 added: new connections reach both (round-robin), the open one carries on.
    expect(await syncHaproxy(cfg([1, 2]), paths, { launch })).toBe('reloaded');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await who());
    expect([...seen].sort()).toEqual(['VM-1', 'VM-2']);
    open.send('after-add');
    await open.until('after-add');

    // VM-1 removed: new connections reach VM-2 only; the open one — to VM-1, held by the old worker — still works.
    expect(await syncHaproxy(cfg([2]), paths, { launch })).toBe('reloaded');
    for (let i = 0; i < 4; i++) expect(await who()).toBe('VM-2');
    open.send('after-remove');
    await open.until('after-remove');
    expect(open.read()).not.toMatch(/CLOSED|ERROR/);
    expect(await masterCommand(haproxyFiles(paths).master, 'show proc')).toMatch(/old workers[\s\S]*worker/);

    // A configuration haproxy refuses is not loaded: the running one serves on.
    await expect(syncHaproxy(cfg([2]).replace('balance roundrobin', 'balance nonsense'), paths, { launch })).rejects.toThrow(
      /refuses the configuration/,
    );
    expect(await who()).toBe('VM-2');

    const pid = Number(await fs.readFile(haproxyFiles(paths).pidFile, 'utf8'));
    expect(await syncHaproxy(null, paths)).toBe('stopped');
    expect(await processAlive(pid)).toBe(false);
  });
});
