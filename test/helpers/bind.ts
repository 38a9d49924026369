// A real BIND for a test: `named -g` on 127.0.0.1 and a free unprivileged port, in its own
// temp directory with its own named.conf, serving zones given as text (or forwarding to
// another test BIND). Stopped by the PID of the child we spawned — never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { query } from '../../src/dns';

export interface BindZone {
  origin: string;
  text: string;
}

export interface BindOptions {
  /** server-id, seen as NSID and id.server. */
  label: string;
  zones?: BindZone[];
  /** Run as a forwarding resolver to this server instead of (or besides) serving zones. */
  forwardTo?: { address: string; port: number };
  /** How long to wait for the first answers (and every zone loaded). Default 10 s. */
  readyTimeoutMs?: number;
}

export interface RunningBind {
  address: string;
  port: number;
  label: string;
  dir: string;
  pid: number;
  /** named's stderr so far (it runs with -g). */
  log(): string;
  stop(): Promise<void>;
}

const ADDRESS = '127.0.0.1';
/** Children still running, so that a crashed test run does not leave named behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port free on 127.0.0.1 for both UDP and TCP (named listens on both). */
export async function freeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, ADDRESS, () => resolve((tcp.address() as net.AddressInfo).port));
    });
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, ADDRESS, () => resolve(true));
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      return port;
    }
    udp.close();
  }
  throw new Error('no port free for both UDP and TCP on 127.0.0.1');
}

const zoneFileName = (origin: string) => `${origin.replace(/\.$/, '') || 'root'}.zone`;

function namedConf(dir: string, port: number, opts: BindOptions): string {
  const forwarding = opts.forwardTo
    ? `recursion yes;
    forward only;
    forwarders { ${opts.forwardTo.address} port ${opts.forwardTo.port}; };
    allow-recursion { 127.0.0.1; };`
    : 'recursion no;';
  const zones = (opts.zones ?? []).map(
    (z) => `zone "${z.origin}" { type primary; file "${zoneFileName(z.origin)}"; };`,
  );
  // A resolver must never try the real root servers: its only hint points at loopback.
  if (opts.forwardTo) zones.push('zone "." { type hint; file "root.hint"; };');
  return `options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port ${port} { ${ADDRESS}; };
    listen-on-v6 { none; };
    ${forwarding}
    allow-transfer { none; };
    server-id "${opts.label}";
    notify no;
    dnssec-validation no;
    trust-anchor-telemetry no;
    // The default queue of 10 drops SYNs under a burst of parallel TCP probes (each one then
    // waits for the 1 s SYN retransmit); tests run bursts of 16.
    tcp-listen-queue 64;
};
controls { };
${zones.join('\n')}
`;
}

/**
 * Until named answers, and answers for each of its zones: it answers id.server before it has
 * loaded a large zone, and SERVFAIL for that zone until then.
 */
async function waitUntilAnswering(
  bind: { port: number },
  child: ChildProcess,
  zones: string[],
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  const ask = (name: string, type: string, klass = 'IN') =>
    query(
      { address: ADDRESS, port: bind.port },
      { name, type, class: klass },
      { transport: 'udp', timeoutMs: 200, attempts: 1 },
    );
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`named exited (${child.exitCode ?? child.signalCode}) before answering:\n${log()}`);
    }
    try {
      await ask('id.server', 'TXT', 'CH');
      const loading = [];
      for (const origin of zones) {
        const soa = await ask(origin, 'SOA');
        if (soa.rcode !== 'NOERROR') loading.push(`${origin} SOA: ${soa.rcode}`);
      }
      if (loading.length === 0) return;
      lastError = loading.join(', ');
      await new Promise((r) => setTimeout(r, 50));
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`named did not answer within ${timeoutMs} ms (${lastError}):\n${log()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function startBind(opts: BindOptions): Promise<RunningBind> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nsdeploy-bind-${opts.label}-`));
  let child: ChildProcess | undefined;
  try {
    const port = await freeUdpTcpPort();
    for (const z of opts.zones ?? []) fs.writeFileSync(path.join(dir, zoneFileName(z.origin)), z.text);
    if (opts.forwardTo)
      fs.writeFileSync(
        path.join(dir, 'root.hint'),
        '. 3600000 NS a.root.invalid.\na.root.invalid. 3600000 A 127.0.0.1\n',
      );
    const conf = path.join(dir, 'named.conf');
    fs.writeFileSync(conf, namedConf(dir, port, opts));

    let stderr = '';
    const started = spawn('named', ['-g', '-4', '-n', '2', '-c', conf], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = started;
    live.add(started);
    started.once('exit', () => live.delete(started));
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const log = () => stderr;
    const origins = (opts.zones ?? []).map((z) => z.origin);
    await waitUntilAnswering({ port }, started, origins, opts.readyTimeoutMs ?? 10_000, log);

    return {
      address: ADDRESS,
      port,
      label: opts.label,
      dir,
      pid: started.pid ?? -1,
      log,
      async stop() {
        await stopChild(started);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child) await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
