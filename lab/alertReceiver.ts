// The lab's alert receiver: a tiny HTTP server on 127.0.0.1 that stands in for the operator's
// alert webhook (config/lab.yaml monitor.webhookUrl). Every POST body is appended as one JSON
// line to .lab/alerts.jsonl; GET answers how many there are. `npm run lab:up` starts it as a
// background process tracked by a pid file (like the emulator), `npm run lab:down` stops it.
//   node -r ts-node/register/transpile-only lab/alertReceiver.ts --port 8790 --file .lab/alerts.jsonl
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { labPaths } from './labPaths';

const ROOT = path.resolve(__dirname, '..');
const MAX_BODY = 1024 * 1024;

/** The receiver's port; config/lab.yaml's monitor.webhookUrl points here. */
export const LAB_ALERT_PORT = Number(process.env.LAB_ALERT_PORT ?? 8790);
export const alertPaths = {
  alerts: path.join(labPaths.dir, 'alerts.jsonl'),
  pid: path.join(labPaths.dir, 'alert-receiver.pid'),
  log: path.join(labPaths.dir, 'alert-receiver.log'),
};
export const alertReceiverUrl = () => `http://127.0.0.1:${LAB_ALERT_PORT}/alerts`;

/** Every alert received so far, oldest first (an unreadable line is kept as its text). */
export function readAlerts(file = alertPaths.alerts): unknown[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l;
      }
    });
}

/** The server itself (not listening yet): POST appends the body to `file` as one line. */
export function createAlertServer(file: string, opts: { log?: (line: string) => void } = {}): http.Server {
  return http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET') return reply(200, { alerts: readAlerts(file).length, file });
    if (req.method !== 'POST') return reply(405, { error: 'POST an alert, or GET the count' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return reply(413, { error: `body over ${MAX_BODY} bytes` });
      const text = Buffer.concat(chunks).toString('utf8');
      let line: string;
      try {
        line = JSON.stringify(JSON.parse(text)); // one line, whatever the sender's layout
      } catch {
        line = JSON.stringify(text);
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.appendFileSync(file, line + '\n');
      opts.log?.(`${new Date().toISOString()} ${req.url} ${line.slice(0, 300)}`);
      reply(200, { ok: true, alerts: readAlerts(file).length });
    });
  });
}

export function alertReceiverPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(alertPaths.pid, 'utf8'));
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('lab/alertReceiver') ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function answers(): Promise<boolean> {
  try {
    return (await fetch(alertReceiverUrl(), { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

export async function startAlertReceiver(): Promise<{ pid: number; started: boolean }> {
  const running = alertReceiverPid();
  if (running && (await answers())) return { pid: running, started: false };
  if (await answers())
    throw new Error(
      `port ${LAB_ALERT_PORT} already answers but not from the lab's alert receiver; set LAB_ALERT_PORT (and monitor.webhookUrl)`,
    );
  fs.mkdirSync(labPaths.dir, { recursive: true });
  const log = fs.openSync(alertPaths.log, 'a');
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(ROOT, 'lab/alertReceiver.ts'),
      '--port',
      String(LAB_ALERT_PORT),
      '--file',
      alertPaths.alerts,
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  child.unref();
  fs.writeFileSync(alertPaths.pid, String(child.pid));
  const deadline = Date.now() + 20_000;
  while (!(await answers())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `the alert receiver did not start; see ${alertPaths.log}:\n${fs.readFileSync(alertPaths.log, 'utf8').split('\n').slice(-10).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid!, started: true };
}

export async function stopAlertReceiver(): Promise<boolean> {
  const pid = alertReceiverPid();
  fs.rmSync(alertPaths.pid, { force: true });
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  return true;
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg('port') ?? LAB_ALERT_PORT);
  const file = path.resolve(arg('file') ?? alertPaths.alerts);
  const server = createAlertServer(file, { log: (line) => process.stdout.write(line + '\n') });
  server.listen(port, '127.0.0.1', () =>
    process.stdout.write(`alert receiver on http://127.0.0.1:${port}/alerts, appending to ${file}\n`),
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => process.exit(0)));
}
